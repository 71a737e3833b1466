"""record referral withdrawals

A withdrawal is kept by referral id whether or not the referral's case exists yet, so that a
submission applied after its withdrawal opens the case already withdrawn.

Revision ID: 86b0de63fb2d
Revises: 7ebc32063144
Create Date: 2026-11-27 01:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import servicekit.db


revision: str = '86b0de63fb2d'
down_revision: str | None = '7ebc32063144'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('referral_withdrawals',
    sa.Column('referral_id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('withdrawn_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('referral_id', name=op.f('pk_referral_withdrawals'))
    )


def downgrade() -> None:
    op.drop_table('referral_withdrawals')
