"""referral steps: when each referral was contacted, assessed and booked

Revision ID: 41bb7f7a39b1
Revises: b0858bd543b6
Create Date: 2026-12-05 06:07:53.890380
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import servicekit.db


revision: str = '41bb7f7a39b1'
down_revision: str | None = 'b0858bd543b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('referral_steps',
    sa.Column('referral_id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_steps_referral_id_referrals')),
    sa.PrimaryKeyConstraint('referral_id', 'status', name=op.f('pk_referral_steps'))
    )


def downgrade() -> None:
    op.drop_table('referral_steps')
