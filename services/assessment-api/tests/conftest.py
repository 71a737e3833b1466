"""Fixtures for assessment-api: a migrated, seeded database per test, the app, tokens, and a
`desk` that plays the scheme's events and a worker's calls against it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from assessment_api.cases.models import Case
from assessment_api.config import Settings
from assessment_api.db import kit
from assessment_api.main import create_app
from assessment_api.seed import seed
from contracts import CloudEvent, new_event, parse_event
from contracts.events.v1 import ContactDetails, ReferralSubmitted, ReferralWithdrawn
from contracts.sealed import generate_keypair, seal
from contracts.vocabulary import (
    EncounterOrigin,
    Gender,
    ObservedEthnicity,
    SelfDefinedEthnicity,
    Substance,
    WithdrawalReason,
)
from servicekit.devidp import DevIdentityProvider
from servicekit.inbox import EventConsumer
from servicekit_testing.databases import TemplateDatabases

SERVICE_DIR = Path(__file__).resolve().parents[1]
ALEMBIC_INI = SERVICE_DIR / "alembic.ini"

AuthHeaders = Callable[..., dict[str, str]]


@pytest.fixture
async def assessment_database(template_databases: TemplateDatabases) -> str:
    url = await template_databases.fresh(ALEMBIC_INI)
    await seed(url)
    return url


def make_settings(
    database_url: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    private_key: str,
    **overrides: Any,
) -> Settings:
    return Settings(
        database_url=database_url,
        nats_url=overrides.pop("nats_url", None),
        jwks_url=dev_idp.jwks_url,
        trusted_issuers=trusted_issuers,
        field_keys=field_keys,
        field_key_current="k1",
        private_key=private_key,
        **overrides,
    )


@pytest.fixture(scope="session")
def scheduling_keypair() -> tuple[str, str]:
    """The scheduling service's sealed-field key pair (private, public): reminder contacts are
    sealed to its public half."""
    return generate_keypair()


@pytest.fixture
def assessment_settings(
    assessment_database: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    assessment_keypair: tuple[str, str],
    scheduling_keypair: tuple[str, str],
) -> Settings:
    """Settings as a deployment with scheduling has them."""
    return make_settings(
        assessment_database,
        dev_idp,
        trusted_issuers,
        field_keys,
        assessment_keypair[0],
        scheduling_public_key=scheduling_keypair[1],
    )


@pytest.fixture
async def app(assessment_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(assessment_settings, start_background=False)
    yield application
    await application.state.runtime.db.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://assessment-api") as c:
        yield c


@pytest.fixture
def auth(dev_idp: DevIdentityProvider) -> AuthHeaders:
    def headers(
        role: str = "worker",
        forces: tuple[str, ...] = ("demo",),
        provider: str | None = None,
        sub: str | None = None,
    ) -> dict[str, str]:
        token = dev_idp.token(role=role, forces=list(forces), provider=provider, subject=sub)
        return {"Authorization": f"Bearer {token}"}

    return headers


CONTACT = ContactDetails(
    given_name="Jordan",
    family_name="Okafor-Whitby",
    date_of_birth=date(2001, 7, 19),
    phone="07700 900123",
    email="jordan.ow@example.org",
    postcode="B1 1AA",
    preferred_language="pl",
    interpreter_needed=True,
)


def referral_submitted(
    public_key: str,
    *,
    force_id: str = "demo",
    submitted_at: datetime | None = None,
    first_contact_hours: int = 72,
    engagement_days: int = 28,
    main_substance: Substance = Substance.cannabis,
    contact: ContactDetails = CONTACT,
    kid: str = "assessment-1",
    referral_id: uuid.UUID | None = None,
) -> CloudEvent:
    """A referral.submitted.v1 as referral-api publishes it, contact details sealed to us."""
    submitted = submitted_at or datetime.now(UTC) - timedelta(hours=1)
    referral_id = referral_id or uuid.uuid4()
    return new_event(
        ReferralSubmitted(
            referral_id=referral_id,
            reference=f"DEMO-2611-{uuid.uuid4().hex[:6].upper()}",
            force_id=force_id,
            officer_key="off_3f9a1c",
            area="central",
            submitted_at=submitted,
            encounter_at=submitted - timedelta(minutes=20),
            encounter_origin=EncounterOrigin.stop_and_search,
            substances=[main_substance],
            main_substance=main_substance,
            age_years=24,
            gender=Gender.male,
            self_defined_ethnicity=SelfDefinedEthnicity.B1,
            observed_ethnicity=ObservedEthnicity.IC3,
            person_key="pk_9d41be07c2",
            is_rereferral=False,
            rule_set_version="demo-2026.1",
            first_contact_due=submitted + timedelta(hours=first_contact_hours),
            engagement_deadline=submitted + timedelta(days=engagement_days),
            contact=seal(contact.model_dump_json().encode(), public_key=public_key, kid=kid),
        ),
        source="/referral-api",
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


@dataclass
class BusMessage:
    """A message as the consumer reads it from the bus, noting how the consumer answered."""

    subject: str
    data: bytes
    num_delivered: int = 1
    answer: str | None = None

    @property
    def metadata(self) -> SimpleNamespace:
        return SimpleNamespace(num_delivered=self.num_delivered, num_pending=0)

    async def ack(self) -> None:
        self.answer = "ack"

    async def nak(self, delay: float | None = None) -> None:
        self.answer = "nak"

    async def term(self) -> None:
        self.answer = "term"


class Desk:
    """The scheme around one worker: referral events arriving, and the worker's calls."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders, public_key: str):
        self.app = app
        self.client = client
        self.auth = auth
        self.public_key = public_key
        self.worker = auth()

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    @property
    def consumer(self) -> EventConsumer:
        consumer = self.runtime.consumer
        assert isinstance(consumer, EventConsumer)
        return consumer

    def referral(self, public_key: str | None = None, **overrides: Any) -> CloudEvent:
        return referral_submitted(public_key or self.public_key, **overrides)

    def withdrawal(self, referral_id: uuid.UUID, force_id: str = "demo") -> CloudEvent:
        return referral_withdrawn(referral_id, force_id)

    async def receive(self, event: CloudEvent) -> str:
        """Apply an event exactly as the consumer does for a message from the bus."""
        subscription = self.consumer.subscriptions[0]
        return await self.consumer.apply(
            event, subscription.handlers[event.type], subject=event.type
        )

    async def deliver(self, event: CloudEvent) -> str:
        """Hand the consumer a message from the bus: applied, acked, or dead-lettered."""
        message = BusMessage(subject=event.type, data=event.to_json())
        return await self.consumer.process(message, self.consumer.subscriptions[0])  # type: ignore[arg-type]

    async def dead_letters(self) -> list[Any]:
        async with self.runtime.db.session() as session:
            return list((await session.execute(select(kit.dead_letters))).all())

    async def case_of(self, referral_id: uuid.UUID) -> Case | None:
        async with self.runtime.db.session() as session:
            case: Case | None = await session.scalar(
                select(Case).where(Case.referral_id == referral_id)
            )
            return case

    async def new_case(self, **overrides: Any) -> str:
        event = self.referral(**overrides)
        assert await self.receive(event) == "applied"
        case = await self.case_of(event.data.referral_id)
        assert case is not None
        return str(case.id)

    async def reach(
        self, case_id: str, headers: dict[str, str] | None = None, **body: Any
    ) -> httpx.Response:
        response = await self.client.post(
            f"/v1/cases/{case_id}/contact-attempts",
            json={"channel": "phone", "result": "answered", **body},
            headers=headers or self.worker,
        )
        assert response.status_code == 201, response.text
        return response

    async def contacted_case(self, **overrides: Any) -> str:
        case_id = await self.new_case(**overrides)
        await self.reach(case_id)
        return case_id

    async def save(self, case_id: str, answers: dict[str, Any]) -> httpx.Response:
        return await self.client.put(
            f"/v1/cases/{case_id}/assessment", json=answers, headers=self.worker
        )

    async def complete(self, case_id: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.post(
            f"/v1/cases/{case_id}/assessment/completion", json=body or {}, headers=self.worker
        )

    async def events(self, event_type: str | None = None) -> list[CloudEvent]:
        """The events staged in the outbox, oldest first."""
        async with self.runtime.db.session() as session:
            query = select(kit.outbox.c.payload).order_by(kit.outbox.c.created_at)
            if event_type:
                query = query.where(kit.outbox.c.subject == event_type)
            return [parse_event(p) for p in (await session.scalars(query)).all()]

    async def audit_log(self) -> list[Any]:
        async with self.runtime.db.session() as session:
            return list((await session.execute(select(kit.audit_log))).all())


@pytest.fixture
def desk(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    assessment_keypair: tuple[str, str],
) -> Desk:
    return Desk(app, client, auth, assessment_keypair[1])
