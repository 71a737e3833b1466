"""The services wired through a real NATS JetStream server: referral-api publishing,
assessment-api consuming and publishing, and scheduling-api consuming both and publishing, each
with its own migrated database."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from nats.aio.client import Client

import assessment_api
import reporting_api
import scheduling_api
from assessment_api.assessments.schemas import example_assessment
from assessment_api.config import Settings as AssessmentSettings
from assessment_api.main import create_app as create_assessment_app
from assessment_api.seed import seed as seed_assessment
from referral_api.main import create_app as create_referral_app
from referral_api.referrals.schemas import example_referral
from reporting_api.config import Settings as ReportingSettings
from reporting_api.main import create_app as create_reporting_app
from reporting_api.seed import seed_settings as seed_reporting_settings
from scheduling_api.config import Settings as SchedulingSettings
from scheduling_api.main import create_app as create_scheduling_app
from scheduling_api.seed import seed as seed_scheduling
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.databases import TemplateDatabases
from servicekit_testing.nats import NatsServer

from ..conftest import ReferralSettingsFactory


def alembic_ini(package: object) -> Path:
    """services/<name>/alembic.ini, from the package at services/<name>/src/<package>/."""
    return Path(str(package.__file__)).resolve().parents[2] / "alembic.ini"  # type: ignore[attr-defined]


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient


# How long the bus waits for an ack before it offers a message again. Each test starts the
# services afresh on one NATS server: a message the bus hands to the pull request of an instance
# that has just stopped comes back only after this, 30 s in production (where it is rare and
# harmless), too long for a test waiting on it.
ACK_WAIT_SECONDS = 3.0


async def started(app: FastAPI, base_url: str) -> Service:
    runtime = app.state.runtime
    if runtime.consumer is not None:
        runtime.consumer.ack_wait = ACK_WAIT_SECONDS
    # The apps' lifespans would start these; starting the runtime directly does the same work.
    await runtime.start()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return Service(app, httpx.AsyncClient(transport=transport, base_url=base_url))


async def stopped(service: Service) -> None:
    await service.client.aclose()
    await service.app.state.runtime.stop()


def wiring(
    database_url: str,
    nats_server: NatsServer,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
) -> dict[str, Any]:
    """The settings every service here shares: its database, the bus, the tokens it trusts,
    its field keys, and an outbox relay that looks often."""
    return {
        "database_url": database_url,
        "nats_url": nats_server.url,
        "jwks_url": dev_idp.jwks_url,
        "trusted_issuers": trusted_issuers,
        "field_keys": field_keys,
        "field_key_current": "k1",
        "outbox_poll_seconds": 0.2,
    }


@pytest.fixture
async def referral_service(
    seeded_referral_database: str,
    make_referral_settings: ReferralSettingsFactory,
    nats_server: NatsServer,
) -> AsyncIterator[Service]:
    # development: the force's webhook receiver a test runs is plain http on this machine
    settings = make_referral_settings(
        seeded_referral_database,
        nats_server.url,
        outbox_poll_seconds=0.2,
        development=True,
        webhook_send_seconds=0.2,
    )
    service = await started(create_referral_app(settings), "http://referral-api")
    yield service
    await stopped(service)


@pytest.fixture
async def assessment_service(
    template_databases: TemplateDatabases,
    nats_server: NatsServer,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    assessment_keypair: tuple[str, str],
) -> AsyncIterator[Service]:
    url = await template_databases.fresh(alembic_ini(assessment_api))
    await seed_assessment(url)
    settings = AssessmentSettings(
        **wiring(url, nats_server, dev_idp, trusted_issuers, field_keys),
        private_key=assessment_keypair[0],
    )
    service = await started(create_assessment_app(settings), "http://assessment-api")
    yield service
    await stopped(service)


@pytest.fixture
async def scheduling_service(
    template_databases: TemplateDatabases,
    nats_server: NatsServer,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
) -> AsyncIterator[Service]:
    url = await template_databases.fresh(alembic_ini(scheduling_api))
    await seed_scheduling(url)
    settings = SchedulingSettings(**wiring(url, nats_server, dev_idp, trusted_issuers, field_keys))
    service = await started(create_scheduling_app(settings), "http://scheduling-api")
    yield service
    await stopped(service)


@pytest.fixture
async def reporting_service(
    template_databases: TemplateDatabases,
    nats_server: NatsServer,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
) -> AsyncIterator[Service]:
    """reporting-api with the demonstration force's settings (no synthetic history)."""
    url = await template_databases.fresh(alembic_ini(reporting_api))
    settings = ReportingSettings(**wiring(url, nats_server, dev_idp, trusted_issuers, field_keys))
    service = await started(create_reporting_app(settings), "http://reporting-api")
    await seed_reporting_settings(service.app.state.runtime.db)
    yield service
    await stopped(service)


async def eventually(
    check: Callable[[], Awaitable[Any]], *, what: str, within: float = 20.0
) -> Any:
    """What `check` returns once it is truthy; an AssertionError naming `what` if it never is."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def settled(nc: Client, stream: str, durable: str) -> bool:
    """The durable consumer of `stream` has nothing waiting and nothing unacknowledged."""
    info = await nc.jetstream().consumer_info(stream, durable)
    return info.num_pending == 0 and info.num_ack_pending == 0


class Journey:
    """One person through the scheme by the public APIs, as the officer and the drug worker take
    them: referred at the scene, found on the worker's queue, reached and assessed."""

    eventually = staticmethod(eventually)
    settled = staticmethod(settled)

    def __init__(self, dev_idp: DevIdentityProvider, referrals: Service, assessments: Service):
        self.referrals = referrals
        self.assessments = assessments
        self.officer = {"Authorization": f"Bearer {dev_idp.token(role='officer', forces=['demo'])}"}
        self.worker = {"Authorization": f"Bearer {dev_idp.token(role='worker', forces=['demo'])}"}

    async def refer(self) -> dict[str, Any]:
        """The officer's referral of the example person; its answer."""
        submitted = await self.referrals.client.post(
            "/v1/referrals",
            json=example_referral(),
            headers={**self.officer, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert submitted.status_code == 201, submitted.text
        referral: dict[str, Any] = submitted.json()
        return referral

    async def refer_as_force_system(self, dev_idp: DevIdentityProvider) -> dict[str, Any]:
        """The force's records system refers the example person for the officer, who is known
        in the force from their own sign-in; its answer."""
        signed_in = await self.referrals.client.get("/v1/force", headers=self.officer)
        assert signed_in.status_code == 200, signed_in.text
        system = {"Authorization": f"Bearer {dev_idp.token(role='integration', forces=['demo'])}"}
        submitted = await self.referrals.client.post(
            "/v1/referrals",
            json=example_referral() | {"officer_id": "demo-officer-1"},
            headers={**system, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert submitted.status_code == 201, submitted.text
        referral: dict[str, Any] = submitted.json()
        return referral

    async def open_case(self, referral_id: str) -> dict[str, Any] | None:
        """The referral's case on the worker's open queue, or None."""
        queue = await self.assessments.client.get(
            "/v1/cases", params={"limit": 100}, headers=self.worker
        )
        return next((c for c in queue.json()["items"] if c["referral_id"] == referral_id), None)

    async def case_of(self, referral_id: str) -> dict[str, Any]:
        """The referral's case, once it has reached the worker's queue."""
        return await eventually(
            lambda: self.open_case(referral_id), what="the referral on the worker's queue"
        )

    async def reach(self, case_id: str) -> None:
        """The worker phones the person, who answers."""
        reached = await self.assessments.client.post(
            f"/v1/cases/{case_id}/contact-attempts",
            json={"channel": "phone", "result": "answered"},
            headers=self.worker,
        )
        assert reached.status_code == 201, reached.text

    async def assess(self, case_id: str) -> dict[str, Any]:
        """The worker records the example assessment and completes it as proposed; its answer."""
        saved = await self.assessments.client.put(
            f"/v1/cases/{case_id}/assessment", json=example_assessment(), headers=self.worker
        )
        assert saved.status_code == 200, saved.text
        completed = await self.assessments.client.post(
            f"/v1/cases/{case_id}/assessment/completion", json={}, headers=self.worker
        )
        assert completed.status_code == 201, completed.text
        answer: dict[str, Any] = completed.json()
        return answer

    async def withdraw(self, referral_id: str) -> None:
        """The officer withdraws the referral, made in error."""
        withdrawn = await self.referrals.client.post(
            f"/v1/referrals/{referral_id}/withdrawal",
            json={"reason": "made_in_error"},
            headers=self.officer,
        )
        assert withdrawn.status_code == 200, withdrawn.text


@pytest.fixture(name="eventually")
def eventually_fixture() -> Callable[..., Awaitable[Any]]:
    """`eventually`, for tests that need no journey."""
    return eventually


@pytest.fixture
def journey(
    dev_idp: DevIdentityProvider, referral_service: Service, assessment_service: Service
) -> Journey:
    return Journey(dev_idp, referral_service, assessment_service)
