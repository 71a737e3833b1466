"""sessions closed to new bookings

A facilitator who withdraws published availability closes its appointments: those booked keep
their booking, and none is offered again, even when its booking is later cancelled.

Revision ID: 4a2f2803b1f6
Revises: ae63377fbaed
Create Date: 2026-12-05 06:47:05.326866
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.db

revision: str = "4a2f2803b1f6"
down_revision: str | None = "ae63377fbaed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "closed_at",
                servicekit.db.UTCDateTime(timezone=True),
                nullable=True,
                comment="Closed to new bookings (a withdrawn appointment); bookings made stay.",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
