"""Fixtures for reporting-api: a migrated database per test, the app, tokens, and `project`,
which applies events through the kit's idempotent consumer as the live service does."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from contracts import CloudEvent
from contracts.vocabulary import (
    AuditBand,
    EncounterOrigin,
    EngagementStage,
    Gender,
    NeedDomain,
    NeedLevel,
    ObservedEthnicity,
    Pathway,
    PgsiBand,
    ReferralOutcome,
    SafeguardingCategory,
    SdsBand,
    SelfDefinedEthnicity,
    Substance,
)
from reporting_api.config import Settings
from reporting_api.db import kit
from reporting_api.main import create_app
from reporting_api.projections.projector import project as project_event
from reporting_api.synthetic.events import JourneyEvents
from servicekit.db import Database
from servicekit.devidp import DevIdentityProvider
from servicekit.inbox import EventConsumer
from servicekit_testing.databases import TemplateDatabases

SERVICE_DIR = Path(__file__).resolve().parents[1]
ALEMBIC_INI = SERVICE_DIR / "alembic.ini"

AuthHeaders = Callable[..., dict[str, str]]
Project = Callable[[Iterable[CloudEvent]], Awaitable[None]]


@pytest.fixture
async def reporting_database(template_databases: TemplateDatabases) -> str:
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
def reporting_settings(
    reporting_database: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
) -> Settings:
    return make_settings(reporting_database, dev_idp, trusted_issuers, field_keys)


@pytest.fixture
async def app(reporting_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(reporting_settings, start_background=False)
    yield application
    await application.state.runtime.db.dispose()


@pytest.fixture
def db(app: FastAPI) -> Database:
    database: Database = app.state.runtime.db
    return database


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://reporting-api") as c:
        yield c


@pytest.fixture
def auth(dev_idp: DevIdentityProvider) -> AuthHeaders:
    def headers(
        role: str = "analyst", forces: tuple[str, ...] = ("demo",), sub: str | None = None
    ) -> dict[str, str]:
        token = dev_idp.token(role=role, forces=list(forces), subject=sub)
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def project(db: Database) -> Project:
    """Apply events as the live consumer does: each in its own transaction, through the inbox."""
    consumer = EventConsumer(db, kit, None, [], name="reporting-api")

    async def apply(events: Iterable[CloudEvent]) -> None:
        for event in events:
            await consumer.apply(event, project_event, subject=event.type)

    return apply


def _history(force: str = "demo", size: int = 60, seed: int = 2025) -> list[JourneyEvents]:
    """`size` referrals over April 2025 to March 2026, each as far as a seeded draw takes it:
    every step, ending and category the reports count, from the same events each time."""
    draw = random.Random(seed)
    journeys = []
    for number in range(size):
        events = JourneyEvents(force, uuid.UUID(int=draw.getrandbits(128), version=4))
        submitted = datetime(2025, 4, 1, 9, tzinfo=UTC) + timedelta(
            days=draw.randrange(364), minutes=draw.randrange(600)
        )
        events.submitted(
            submitted,
            officer_key=f"officer-key-{draw.randrange(6):04d}",
            area=draw.choice(("north", "south", "east")),
            substances=(draw.choice((Substance.cannabis,) * 5 + (Substance.cocaine,)),),
            age_years=draw.randrange(17, 70),
            gender=draw.choice(list(Gender)),
            self_defined_ethnicity=draw.choice(list(SelfDefinedEthnicity)),
            observed_ethnicity=draw.choice(list(ObservedEthnicity)),
            # one referral in ten is of the person referred just before it (re-referrals)
            person_key=f"person-key-{number - number % 10 if number % 10 == 1 else number:04d}",
            encounter_origin=draw.choice(list(EncounterOrigin)),
        )
        if draw.random() < 0.05:
            events.withdrawn(submitted + timedelta(hours=3))
            events.closed(submitted + timedelta(hours=3), ReferralOutcome.withdrawn)
            journeys.append(events)
            continue
        step = submitted + timedelta(hours=draw.randrange(4, 120))
        reach = draw.random()
        if reach < 0.1:
            journeys.append(events)
            continue
        events.contacted(step)
        if reach < 0.25:
            events.not_engaged(step + timedelta(days=14), stage=EngagementStage.contacted)
            events.closed(step + timedelta(days=14), ReferralOutcome.not_engaged)
            journeys.append(events)
            continue
        step += timedelta(hours=draw.randrange(2, 200))
        pathway = draw.choice(list(Pathway))
        events.assessed(
            step,
            pathway=pathway,
            proposed_pathway=pathway if draw.random() < 0.8 else Pathway.one_to_one,
            dependence_indicated=draw.random() < 0.2,
            injecting=draw.random() < 0.05,
            safeguarding_concern=draw.random() < 0.1,
            needs={
                domain: draw.choice(list(NeedLevel))
                for domain in draw.sample(list(NeedDomain), draw.randrange(4))
            },
            audit_band=draw.choice([None, *AuditBand]),
            pgsi_band=draw.choice([None, None, *PgsiBand]),
            sds_band=draw.choice([None, *SdsBand]),
        )
        if draw.random() < 0.15:
            events.safeguarding(step, draw.choice(list(SafeguardingCategory)))
        if draw.random() < 0.3:
            events.support(step, draw.choice(list(NeedDomain)))
        if reach < 0.35:
            journeys.append(events)
            continue
        session_start = step + timedelta(days=draw.randrange(3, 20))
        events.booked(step, session_start=session_start, course_type=pathway)
        if reach < 0.45:
            events.missed(session_start)
            events.intervention_not_engaged(session_start + timedelta(days=7))
            events.closed(session_start + timedelta(days=7), ReferralOutcome.not_engaged)
        else:
            events.attended(session_start)
            events.intervention_completed(session_start)
            events.closed(session_start + timedelta(minutes=5), ReferralOutcome.completed)
        journeys.append(events)
    return journeys


@pytest.fixture
def history() -> list[JourneyEvents]:
    """Sixty referrals of the force demo, April 2025 to March 2026 (`HISTORY_PERIOD`)."""
    return _history()


HISTORY_PERIOD = {"from": "2025-04-01", "to": "2026-03-31"}


@pytest.fixture
def history_period() -> dict[str, str]:
    return dict(HISTORY_PERIOD)


@pytest.fixture
async def projected(project: Project, history: list[JourneyEvents]) -> list[JourneyEvents]:
    """The history, applied live."""
    for journey in history:
        await project(journey.events)
    return history
