"""integration clients, the officers known per force, and who acted for a referral

Revision ID: 412329801301
Revises: 62ba51a7aec1
Create Date: 2026-12-05 06:11:54.236439
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import servicekit.db


revision: str = '412329801301'
down_revision: str | None = '62ba51a7aec1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('integration_clients',
    sa.Column('id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('force_id', sa.String(length=64), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('client_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('registered_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('registered_by', sa.String(length=200), nullable=False),
    sa.Column('status_changed_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['force_id'], ['forces.id'], name=op.f('fk_integration_clients_force_id_forces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_clients')),
    sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_integration_clients_issuer_client_id'))
    )
    with op.batch_alter_table('integration_clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integration_clients_force_id'), ['force_id'], unique=False)

    op.create_table('officers',
    sa.Column('force_id', sa.String(length=64), nullable=False),
    sa.Column('officer_id', sa.String(length=200), nullable=False),
    sa.Column('known_by', sa.String(length=20), nullable=False),
    sa.Column('known_since', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('registered_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['force_id'], ['forces.id'], name=op.f('fk_officers_force_id_forces')),
    sa.PrimaryKeyConstraint('force_id', 'officer_id', name=op.f('pk_officers'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('integration_client_id', servicekit.db.GUID(length=36), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_referrals_integration_client_id_integration_clients'), 'integration_clients', ['integration_client_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_referrals_integration_client_id_integration_clients'), type_='foreignkey')
        batch_op.drop_column('integration_client_id')

    op.drop_table('officers')
    with op.batch_alter_table('integration_clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integration_clients_force_id'))

    op.drop_table('integration_clients')
