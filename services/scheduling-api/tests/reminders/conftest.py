"""Fixtures for reminders: this service's key pair (its private half in the settings), events
carrying a sealed reminder contact, a controlled clock for the sender, and a fake GOV.UK Notify."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from contracts import CloudEvent
from contracts.events.v1 import ReminderContact
from contracts.sealed import generate_keypair, seal
from scheduling_api.config import Settings
from scheduling_api.reminders.models import RecordedMessage, Reminder, ReminderKind
from scheduling_api.reminders.notifier import Notifier, RecordingNotifier
from scheduling_api.reminders.sender import ReminderSender
from servicekit.db import Database

_spec = importlib.util.spec_from_file_location(
    "fake_notify", Path(__file__).with_name("fake_notify.py")
)
assert _spec is not None and _spec.loader is not None
fake_notify_module = importlib.util.module_from_spec(_spec)
sys.modules["fake_notify"] = fake_notify_module
_spec.loader.exec_module(fake_notify_module)
FakeNotify = fake_notify_module.FakeNotify

PHONE = "07700 900461"
EMAIL = "jordan.reminder@example.org"
GIVEN_NAME = "Jordanna"


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    """This service's X25519 key pair: (private, public)."""
    return generate_keypair()


@pytest.fixture
def scheduling_settings(scheduling_settings: Settings, keypair: tuple[str, str]) -> Settings:
    """The service's settings, holding its private key."""
    return scheduling_settings.model_copy(update={"private_key": keypair[0]})


def contact(**fields: Any) -> ReminderContact:
    values: dict[str, Any] = {"given_name": GIVEN_NAME, "phone": PHONE, "email": EMAIL}
    values.update(fields)
    return ReminderContact(**values)


def sealed_assessment(
    desk: Any, public_key: str, reminder: ReminderContact | None = None, **overrides: Any
) -> CloudEvent:
    """assessment.completed.v1 with the reminder contact sealed to `public_key`."""
    event: CloudEvent = desk.assessment(**overrides)
    sealed = seal(
        (reminder or contact()).model_dump_json().encode(),
        public_key=public_key,
        kid="scheduling-1",
    )
    return event.model_copy(
        update={"data": event.data.model_copy(update={"reminder_contact": sealed})}
    )


@pytest.fixture
def fake_notify() -> Iterator[Any]:
    server = FakeNotify().start()
    yield server
    server.stop()


class Reminders:
    """The reminders side of the desk: assessments with a contact, the sender on a clock."""

    def __init__(self, desk: Any, public_key: str) -> None:
        self.desk = desk
        self.public_key = public_key

    @property
    def db(self) -> Database:
        db: Database = self.desk.runtime.db
        return db

    async def assessed(
        self, reminder: ReminderContact | None = None, **overrides: Any
    ) -> uuid.UUID:
        event = sealed_assessment(self.desk, self.public_key, reminder, **overrides)
        assert await self.desk.receive(event) == "applied"
        referral_id: uuid.UUID = event.data.referral_id
        return referral_id

    def sender(
        self, notifier: Notifier | None = None, db: Database | None = None, **options: Any
    ) -> ReminderSender:
        db = db or self.db
        return ReminderSender(db, notifier or RecordingNotifier(db), **options)

    async def of(self, referral_id: uuid.UUID | None = None) -> list[Reminder]:
        async with self.db.session() as session:
            query = select(Reminder).order_by(Reminder.due_at, Reminder.kind)
            if referral_id is not None:
                query = query.where(Reminder.referral_id == referral_id)
            return list((await session.scalars(query)).all())

    async def one(self, referral_id: uuid.UUID, kind: ReminderKind) -> Reminder:
        found = [
            r for r in await self.of(referral_id) if r.kind == kind and r.status != "cancelled"
        ]
        assert len(found) == 1, found
        return found[0]

    async def recorded(self) -> list[RecordedMessage]:
        async with self.db.session() as session:
            return list((await session.scalars(select(RecordedMessage))).all())


@pytest.fixture
def reminders(desk: Any, keypair: tuple[str, str]) -> Reminders:
    return Reminders(desk, keypair[1])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
