"""The reminder contact kept per referral, the reminders of each booking, the messages recorded
when no provider is configured, and each force's GOV.UK Notify templates.

The contact and every recorded message are encrypted at rest (the kit's field cipher): the
database, its backups and a console show only ciphertext.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scheduling_api.db import Base
from servicekit.crypto import Encrypted, EncryptedJSON
from servicekit.db import GUID, StringEnum, UTCDateTime


class ReminderKind(StrEnum):
    booked = "booked"
    day_before = "day_before"
    hour_before = "hour_before"


class Channel(StrEnum):
    sms = "sms"
    email = "email"


class ReminderStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"


class StoredContact(Base):
    """What reminders of one referral need (given name, phone, email, language, easy read),
    opened from the sealed field of its assessment and kept only while reminders may go."""

    __tablename__ = "reminder_contacts"

    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    force_id: Mapped[str] = mapped_column(String(64))
    contact: Mapped[dict[str, Any]] = mapped_column(
        EncryptedJSON(), comment="contracts.events.v1.ReminderContact, encrypted."
    )
    closed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(),
        comment="The person's scheduling ended; the row goes once no reminder is in flight.",
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Reminder(Base):
    """One reminder of one booking: sent once, across restarts and instances.

    `pending` -> `sending` (claimed: a claim token and a lease) -> `sent`, or back to `pending`
    with a later `next_attempt_at` after a temporary failure, or `failed`. `cancelled` when the
    booking stopped needing it.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("booking_id", "kind"),
        Index("ix_reminders_due", "status", "next_attempt_at"),
        Index("ix_reminders_force_due", "force_id", "due_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    force_id: Mapped[str] = mapped_column(String(64))
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), index=True)
    booking_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("bookings.id"))
    session_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("sessions.id"))
    kind: Mapped[ReminderKind] = mapped_column(StringEnum(ReminderKind, 20))
    channel: Mapped[Channel] = mapped_column(StringEnum(Channel, 10))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[ReminderStatus] = mapped_column(StringEnum(ReminderStatus, 20))
    next_attempt_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), comment="The due time, later after each temporary failure (backoff)."
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[uuid.UUID | None] = mapped_column(GUID())
    lease_expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), comment="A claim not finished by then is taken over (its sender died)."
    )
    provider_id: Mapped[str | None] = mapped_column(
        String(64), comment="The provider's id of the message sent."
    )
    last_error: Mapped[str | None] = mapped_column(
        String(500), comment="Why the last attempt failed; never personal data."
    )
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecordedMessage(Base):
    """A message a deployment with no provider would have sent, for an administrator to read.
    One per reminder, so a message is never recorded twice."""

    __tablename__ = "recorded_messages"

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    reminder_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("reminders.id"), unique=True)
    force_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[Channel] = mapped_column(StringEnum(Channel, 10))
    recipient: Mapped[str] = mapped_column(Encrypted())
    text: Mapped[str] = mapped_column(Encrypted())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotifyTemplate(Base):
    """The GOV.UK Notify template a force sends for one channel and kind of reminder."""

    __tablename__ = "notify_templates"

    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[Channel] = mapped_column(StringEnum(Channel, 10), primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(StringEnum(ReminderKind, 20), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
