"""index sessions by facilitator

A facilitator sees only the sessions they run: their list, their calendar feed and their
sessions left unmarked all ask for one facilitator's sessions by start time.

Revision ID: ae63377fbaed
Revises: 14bdd03745ff
Create Date: 2026-12-05 06:05:35.874123
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ae63377fbaed"
down_revision: str | None = "14bdd03745ff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sessions_facilitator_start", ["facilitator_id", "starts_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_facilitator_start")
