"""published availability for one-to-ones, and each force's target wait

Revision ID: 14bdd03745ff
Revises: 9ace1ca4ae88
Create Date: 2026-12-05 05:52:05.742862
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import servicekit.db


revision: str = '14bdd03745ff'
down_revision: str | None = '9ace1ca4ae88'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('availability_windows',
    sa.Column('id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('force_id', sa.String(length=64), nullable=False),
    sa.Column('course_type_id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('facilitator_id', sa.String(length=128), nullable=False),
    sa.Column('starts_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('appointment_minutes', sa.Integer(), nullable=False),
    sa.Column('delivery_mode', sa.String(length=10), nullable=False),
    sa.Column('join_link', sa.String(length=500), nullable=True),
    sa.Column('venue', sa.String(length=300), nullable=True),
    sa.Column('language', sa.String(length=35), nullable=True, comment='BCP 47 tag when the appointments are in one language; null: any.'),
    sa.Column('interpreter_available', sa.Boolean(), nullable=False),
    sa.Column('created_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', servicekit.db.UTCDateTime(timezone=True), nullable=True, comment='When its unbooked appointments were withdrawn; null: offered.'),
    sa.ForeignKeyConstraint(['course_type_id'], ['course_types.id'], name=op.f('fk_availability_windows_course_type_id_course_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_windows'))
    )
    with op.batch_alter_table('availability_windows', schema=None) as batch_op:
        batch_op.create_index('ix_availability_facilitator', ['force_id', 'facilitator_id', 'starts_at', 'id'], unique=False)
        batch_op.create_index('ix_availability_force', ['force_id', 'starts_at', 'id'], unique=False)

    op.create_table('appointments',
    sa.Column('session_id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('availability_id', servicekit.db.GUID(length=36), nullable=False),
    sa.ForeignKeyConstraint(['availability_id'], ['availability_windows.id'], name=op.f('fk_appointments_availability_id_availability_windows')),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_appointments_session_id_sessions')),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_appointments'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointments_availability_id'), ['availability_id'], unique=False)

    # forces with a settings row keep the default target until they set their own
    op.add_column('force_settings', sa.Column('target_wait_days', sa.Integer(), server_default=sa.text('14'), nullable=False, comment='The longest anyone should wait for a seat; the capacity planner proposes sessions to keep the wait under it.'))


def downgrade() -> None:
    with op.batch_alter_table('force_settings', schema=None) as batch_op:
        batch_op.drop_column('target_wait_days')

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_availability_id'))

    op.drop_table('appointments')
    with op.batch_alter_table('availability_windows', schema=None) as batch_op:
        batch_op.drop_index('ix_availability_force')
        batch_op.drop_index('ix_availability_facilitator')

    op.drop_table('availability_windows')
