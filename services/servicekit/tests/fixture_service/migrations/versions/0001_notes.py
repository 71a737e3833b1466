"""The notes table, on top of the kit tables from servicekit's own branch.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, MetaData, Table, Text

from servicekit.db import GUID, UTCDateTime, new_metadata
from servicekit.migrations import FIRST

revision = "0001"
down_revision = None
branch_labels = None
depends_on = FIRST


def _snapshot() -> MetaData:
    """The schema as of this revision, frozen here (models may move on; migrations do not)."""
    metadata = new_metadata()
    Table(
        "notes",
        metadata,
        Column("id", GUID(), primary_key=True),
        Column("body", Text(), nullable=False),  # Encrypted stores ciphertext as text
        Column("created_at", UTCDateTime(), nullable=False),
    )
    return metadata


def upgrade() -> None:
    bind = op.get_bind()
    for table in _snapshot().sorted_tables:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_snapshot().sorted_tables):
        table.drop(bind)
