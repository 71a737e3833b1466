"""The kit tables: audit log, dead letters, idempotency keys, inbox, outbox.

Revision ID: 5e7a1c0b9d42
Revises:
Create Date: 2026-12-05 02:00:00

Written out here rather than built from `servicekit.tables`: the tables may move on, and each
later change is a revision of its own on this branch.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.db

revision: str = "5e7a1c0b9d42"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("servicekit",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", servicekit.db.GUID(length=36), nullable=False),
        sa.Column("at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("force_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("resource_type", sa.String(length=60), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        "ix_audit_log_resource", "audit_log", ["resource_type", "resource_id"], unique=False
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", servicekit.db.GUID(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("failed_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", servicekit.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=200), nullable=False, comment="Caller and operation."),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        # encrypted at rest by the model (EncryptedDocument), which keeps the column JSON
        sa.Column("response_body", sa.JSON(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "inbox",
        sa.Column("event_id", servicekit.db.GUID(length=36), nullable=False),
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("processed_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "consumer", name=op.f("pk_inbox")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            servicekit.db.GUID(length=36),
            nullable=False,
            comment="The event id; Nats-Msg-Id on publish.",
        ),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", servicekit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_pending", "outbox", ["published_at", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("inbox")
    op.drop_table("idempotency_keys")
    op.drop_table("dead_letters")
    op.drop_index("ix_audit_log_resource", table_name="audit_log")
    op.drop_table("audit_log")
