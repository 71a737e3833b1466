"""Tables every service keeps in its own database: outbox, inbox, dead letters, idempotency keys,
audit trail. A service adds them to its metadata with `kit_tables(Base.metadata)`; the kit's own
Alembic branch (`servicekit.migrations`), which each service's history depends on, creates and
changes them, so a change here is one revision there (the drift tests hold the two together)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table, Text

from servicekit.crypto import EncryptedDocument
from servicekit.db import GUID, UTCDateTime


@dataclass(frozen=True)
class KitTables:
    outbox: Table
    inbox: Table
    dead_letters: Table
    idempotency_keys: Table
    audit_log: Table


def kit_tables(metadata: MetaData) -> KitTables:
    outbox = Table(
        "outbox",
        metadata,
        Column("id", GUID(), primary_key=True, comment="The event id; Nats-Msg-Id on publish."),
        Column("subject", String(120), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
    )
    Index("ix_outbox_pending", outbox.c.published_at, outbox.c.created_at)
    inbox = Table(
        "inbox",
        metadata,
        Column("event_id", GUID(), primary_key=True),
        Column("consumer", String(120), primary_key=True),
        Column("subject", String(120), nullable=False),
        Column("processed_at", UTCDateTime(), nullable=False),
    )
    dead_letters = Table(
        "dead_letters",
        metadata,
        Column("id", GUID(), primary_key=True),
        Column("event_id", String(64), nullable=True),
        Column("consumer", String(120), nullable=False),
        Column("subject", String(120), nullable=False),
        Column("payload", Text, nullable=False),
        Column("error", Text, nullable=False),
        Column("deliveries", Integer, nullable=False),
        Column("failed_at", UTCDateTime(), nullable=False),
        Column("replayed_at", UTCDateTime(), nullable=True),
    )
    idempotency_keys = Table(
        "idempotency_keys",
        metadata,
        Column("scope", String(200), primary_key=True, comment="Caller and operation."),
        Column("key", String(200), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        # what the first answer said, replayed to a retry: it may hold anything, health data
        # included, so it is encrypted at rest like the records it came from
        Column("response_body", EncryptedDocument(), nullable=False),
        Column("headers", JSON, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
    )
    audit_log = Table(
        "audit_log",
        metadata,
        Column("id", GUID(), primary_key=True),
        Column("at", UTCDateTime(), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("role", String(40), nullable=False),
        Column("force_id", String(64), nullable=True),
        Column("action", String(40), nullable=False),
        Column("resource_type", String(60), nullable=False),
        Column("resource_id", String(64), nullable=True),
        Column("purpose", String(200), nullable=False),
    )
    Index("ix_audit_log_resource", audit_log.c.resource_type, audit_log.c.resource_id)
    return KitTables(outbox, inbox, dead_letters, idempotency_keys, audit_log)
