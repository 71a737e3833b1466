"""One way to send a reminder, whichever provider sends it.

A notifier sends one message and returns the provider's id for it, or raises a
`TemporaryFailure` (try again later) or a `PermanentFailure` (trying again will not help). Its
`find` looks a message up by its reference (the reminder id), so a send interrupted before its
outcome was recorded is settled without a second message.

Failure texts never carry the recipient or the message: they are kept on the reminder for an
administrator to read.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from scheduling_api.reminders.message import Message
from scheduling_api.reminders.models import RecordedMessage
from servicekit.db import Database, utcnow


class DeliveryFailed(Exception):
    """The provider did not take the message; the text says why, with no personal data."""


class TemporaryFailure(DeliveryFailed):
    """Worth trying again later: rate limited, the provider down, the network away."""


class PermanentFailure(DeliveryFailed):
    """Trying again will not help until someone changes something (a template, a key)."""


class Notifier(Protocol):
    async def send(self, message: Message) -> str:
        """Send one message; the provider's id for it."""
        ...

    async def find(self, reference: uuid.UUID) -> str | None:
        """The provider's id of the message sent with `reference`, if it has one."""
        ...


class RecordingNotifier:
    """The default when no provider is configured: each message is recorded, encrypted, where
    an administrator reads it (`GET /v1/reminders`). One row per reminder, so a message is
    never recorded twice, however often its sending is retried."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def send(self, message: Message) -> str:
        record = RecordedMessage(
            id=uuid.uuid4(),
            reminder_id=message.reference,
            force_id=message.force_id,
            channel=message.channel,
            recipient=message.recipient,
            text=message.text,
            recorded_at=utcnow(),
        )
        try:
            async with self.db.session() as session:
                session.add(record)
                await session.commit()
        except IntegrityError:
            found = await self.find(message.reference)
            if found is None:
                raise
            return found
        return str(record.id)

    async def find(self, reference: uuid.UUID) -> str | None:
        async with self.db.session() as session:
            found = await session.scalar(
                select(RecordedMessage.id).where(RecordedMessage.reminder_id == reference)
            )
        return None if found is None else str(found)
