"""Fixtures for scheduling-api: a migrated database per test, the app, tokens, and a `desk`
that plays the scheme's events and the staff's calls against it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from contracts import CloudEvent, new_event, parse_event
from contracts.events.v1 import AssessmentCompleted, ReferralWithdrawn
from contracts.vocabulary import NeedDomain, NeedLevel, Pathway, Substance, WithdrawalReason
from scheduling_api.bookings.models import Booking, Participant, WaitingEntry
from scheduling_api.config import Settings
from scheduling_api.db import kit
from scheduling_api.main import create_app
from scheduling_api.reminders.models import Channel, Reminder, ReminderKind, ReminderStatus
from scheduling_api.sessions.models import Session
from servicekit.devidp import DevIdentityProvider
from servicekit.inbox import EventConsumer
from servicekit_testing.databases import TemplateDatabases

SERVICE_DIR = Path(__file__).resolve().parents[1]
ALEMBIC_INI = SERVICE_DIR / "alembic.ini"
FACILITATOR = "facilitator-ade"

AuthHeaders = Callable[..., dict[str, str]]


@pytest.fixture
async def scheduling_database(template_databases: TemplateDatabases) -> str:
    return await template_databases.fresh(ALEMBIC_INI)


def make_settings(
    database_url: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    **overrides: Any,
) -> Settings:
    return Settings(
        database_url=database_url,
        nats_url=overrides.pop("nats_url", None),
        jwks_url=dev_idp.jwks_url,
        trusted_issuers=trusted_issuers,
        field_keys=field_keys,
        field_key_current="k1",
        **overrides,
    )


@pytest.fixture
def scheduling_settings(
    scheduling_database: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
) -> Settings:
    return make_settings(scheduling_database, dev_idp, trusted_issuers, field_keys)


@pytest.fixture
async def app(scheduling_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(scheduling_settings, start_background=False)
    yield application
    await application.state.runtime.db.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://scheduling-api") as c:
        yield c


@pytest.fixture
def auth(dev_idp: DevIdentityProvider) -> AuthHeaders:
    def headers(
        role: str = "facilitator",
        forces: tuple[str, ...] = ("demo",),
        provider: str | None = None,
        sub: str | None = None,
    ) -> dict[str, str]:
        if sub is None and role == "facilitator":
            sub = FACILITATOR
        if provider is None and role == "worker":
            provider = "demo-provider"
        token = dev_idp.token(role=role, forces=list(forces), provider=provider, subject=sub)
        return {"Authorization": f"Bearer {token}"}

    return headers


def assessment_completed(
    *,
    referral_id: uuid.UUID | None = None,
    force_id: str = "demo",
    pathway: Pathway = Pathway.cannabis_group,
    completed_at: datetime | None = None,
    preferred_language: str = "en",
    interpreter_needed: bool = False,
) -> CloudEvent:
    """An assessment.completed.v1 as assessment-api publishes it."""
    referral_id = referral_id or uuid.uuid4()
    return new_event(
        AssessmentCompleted(
            referral_id=referral_id,
            case_id=uuid.uuid4(),
            completed_at=completed_at or datetime.now(UTC),
            pathway=pathway,
            proposed_pathway=pathway,
            overridden=False,
            main_substance=Substance.cannabis,
            dependence_indicated=False,
            injecting=False,
            safeguarding_concern=False,
            needs={NeedDomain.housing: NeedLevel.none},
            preferred_language=preferred_language,
            interpreter_needed=interpreter_needed,
        ),
        source="/assessment-api",
        subject=str(referral_id),
        forceid=force_id,
    )


def referral_withdrawn(referral_id: uuid.UUID, force_id: str = "demo") -> CloudEvent:
    return new_event(
        ReferralWithdrawn(
            referral_id=referral_id,
            reason=WithdrawalReason.made_in_error,
            withdrawn_at=datetime.now(UTC),
        ),
        source="/referral-api",
        subject=str(referral_id),
        forceid=force_id,
    )


class Desk:
    """The scheme around one force's timetable: assessments arriving, and the staff's calls."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders):
        self.app = app
        self.client = client
        self.auth = auth
        self.admin = auth("admin", sub="admin-1")
        self.facilitator = auth("facilitator")
        self.worker = auth("worker", sub="worker-1")

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    @property
    def consumer(self) -> EventConsumer:
        consumer = self.runtime.consumer
        assert isinstance(consumer, EventConsumer)
        return consumer

    async def receive(self, event: CloudEvent) -> str:
        """Apply an event exactly as the consumer does for a message from the bus."""
        for subscription in self.consumer.subscriptions:
            if event.type in subscription.handlers:
                return await self.consumer.apply(
                    event, subscription.handlers[event.type], subject=event.type
                )
        raise AssertionError(f"no handler for {event.type}")

    async def course(
        self, pathway: Pathway = Pathway.cannabis_group, headers: dict[str, str] | None = None
    ) -> str:
        response = await self.client.post(
            "/v1/course-types",
            json={"pathway": pathway.value, "name": f"{pathway.value} course"},
            headers=headers or self.admin,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def session(
        self,
        course_type_id: str,
        *,
        in_days: float = 7,
        capacity: int = 10,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        starts = datetime.now(UTC) + timedelta(days=in_days)
        response = await self.client.post(
            "/v1/sessions",
            json={
                "course_type_id": course_type_id,
                "starts_at": starts.isoformat(),
                "capacity": capacity,
                "join_link": "https://meet.example.org/cannabis-group",
                **fields,
            },
            headers=headers or self.facilitator,
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def assessment(self, **overrides: Any) -> CloudEvent:
        return assessment_completed(**overrides)

    def withdrawal(self, referral_id: uuid.UUID, force_id: str = "demo") -> CloudEvent:
        return referral_withdrawn(referral_id, force_id)

    async def assessed(self, **overrides: Any) -> uuid.UUID:
        event = assessment_completed(**overrides)
        assert await self.receive(event) == "applied"
        referral_id: uuid.UUID = event.data.referral_id
        return referral_id

    async def bookings_of(self, referral_id: uuid.UUID) -> list[Booking]:
        async with self.runtime.db.session() as session:
            return list(
                (
                    await session.scalars(
                        select(Booking)
                        .where(Booking.referral_id == referral_id)
                        .order_by(Booking.booked_at)
                    )
                ).all()
            )

    async def booking_of(self, referral_id: uuid.UUID) -> Booking | None:
        """The person's current booking."""
        current = [b for b in await self.bookings_of(referral_id) if b.status == "booked"]
        assert len(current) <= 1
        return current[0] if current else None

    async def participant(self, referral_id: uuid.UUID) -> Participant | None:
        async with self.runtime.db.session() as session:
            found: Participant | None = await session.scalar(
                select(Participant).where(Participant.referral_id == referral_id)
            )
            return found

    async def waiting(self) -> list[uuid.UUID]:
        async with self.runtime.db.session() as session:
            query = select(WaitingEntry.referral_id).order_by(
                WaitingEntry.queued_at, WaitingEntry.id
            )
            return list((await session.scalars(query)).all())

    async def seats(self, session_id: str) -> tuple[int, int]:
        async with self.runtime.db.session() as session:
            found = await session.get(Session, uuid.UUID(session_id))
            assert found is not None
            return found.booked, found.capacity

    async def start_session(self, session_id: str) -> None:
        """Let time pass until the session has started."""
        async with self.runtime.db.session() as session:
            await session.execute(
                update(Session)
                .where(Session.id == uuid.UUID(session_id))
                .values(starts_at=datetime.now(UTC) - timedelta(minutes=5))
            )
            await session.commit()

    async def failed_reminder(self, booking: Booking, session_id: str | None = None) -> str:
        """A reminder of the booking that could not be sent (one an administrator may retry
        while its session, by default the booking's, has not started)."""
        now = datetime.now(UTC)
        reminder = Reminder(
            id=uuid.uuid4(),
            force_id=booking.force_id,
            referral_id=booking.referral_id,
            booking_id=booking.id,
            session_id=uuid.UUID(session_id) if session_id else booking.session_id,
            kind=ReminderKind.booked,
            channel=Channel.sms,
            due_at=now,
            status=ReminderStatus.failed,
            next_attempt_at=now,
            attempts=5,
            last_error="GOV.UK Notify answered 500: Exception: Internal server error",
            created_at=now,
            updated_at=now,
        )
        async with self.runtime.db.session() as session:
            session.add(reminder)
            await session.commit()
        return str(reminder.id)

    async def events(self, event_type: str | None = None) -> list[CloudEvent]:
        """The events staged in the outbox, oldest first."""
        async with self.runtime.db.session() as session:
            query = select(kit.outbox.c.payload).order_by(kit.outbox.c.created_at)
            if event_type:
                query = query.where(kit.outbox.c.subject == event_type)
            return [parse_event(p) for p in (await session.scalars(query)).all()]


@pytest.fixture
def desk(app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders) -> Desk:
    return Desk(app, client, auth)
