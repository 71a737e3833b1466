"""reminders: the kept contact, the schedule, recorded messages, Notify templates

Revision ID: 8f56691b89e1
Revises: 4a2f2803b1f6
Create Date: 2026-12-05 05:51:48.928660
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import servicekit.db
import servicekit.crypto


revision: str = '8f56691b89e1'
down_revision: str | None = '4a2f2803b1f6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notify_templates',
    sa.Column('force_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('updated_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('force_id', 'channel', 'kind', name=op.f('pk_notify_templates'))
    )
    op.create_table('reminder_contacts',
    sa.Column('referral_id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('force_id', sa.String(length=64), nullable=False),
    sa.Column('contact', servicekit.crypto.EncryptedJSON(), nullable=False, comment='contracts.events.v1.ReminderContact, encrypted.'),
    sa.Column('closed_at', servicekit.db.UTCDateTime(timezone=True), nullable=True, comment="The person's scheduling ended; the row goes once no reminder is in flight."),
    sa.Column('created_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('referral_id', name=op.f('pk_reminder_contacts'))
    )
    op.create_table('reminders',
    sa.Column('id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('force_id', sa.String(length=64), nullable=False),
    sa.Column('referral_id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('booking_id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('session_id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('due_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('next_attempt_at', servicekit.db.UTCDateTime(timezone=True), nullable=False, comment='The due time, later after each temporary failure (backoff).'),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claim_token', servicekit.db.GUID(length=36), nullable=True),
    sa.Column('lease_expires_at', servicekit.db.UTCDateTime(timezone=True), nullable=True, comment='A claim not finished by then is taken over (its sender died).'),
    sa.Column('provider_id', sa.String(length=64), nullable=True, comment="The provider's id of the message sent."),
    sa.Column('last_error', sa.String(length=500), nullable=True, comment='Why the last attempt failed; never personal data.'),
    sa.Column('sent_at', servicekit.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_reminders_booking_id_bookings')),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_reminders_session_id_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('booking_id', 'kind', name=op.f('uq_reminders_booking_id_kind'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index('ix_reminders_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_reminders_force_due', ['force_id', 'due_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminders_referral_id'), ['referral_id'], unique=False)

    op.create_table('recorded_messages',
    sa.Column('id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('reminder_id', servicekit.db.GUID(length=36), nullable=False),
    sa.Column('force_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', servicekit.crypto.Encrypted(), nullable=False),
    sa.Column('text', servicekit.crypto.Encrypted(), nullable=False),
    sa.Column('recorded_at', servicekit.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'], name=op.f('fk_recorded_messages_reminder_id_reminders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recorded_messages')),
    sa.UniqueConstraint('reminder_id', name=op.f('uq_recorded_messages_reminder_id'))
    )


def downgrade() -> None:
    op.drop_table('recorded_messages')
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminders_referral_id'))
        batch_op.drop_index('ix_reminders_force_due')
        batch_op.drop_index('ix_reminders_due')

    op.drop_table('reminders')
    op.drop_table('reminder_contacts')
    op.drop_table('notify_templates')
