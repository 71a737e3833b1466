"""The services wired through a real NATS JetStream server: referral-api publishing,
assessment-api consuming and publishing, and scheduling-api consuming both and publishing, each
with its own migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

import assessment_api
import scheduling_api
from assessment_api.config import Settings as AssessmentSettings
from assessment_api.main import create_app as create_assessment_app
from assessment_api.seed import seed as seed_assessment
from referral_api.main import create_app as create_referral_app
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


async def started(app: FastAPI, base_url: str) -> Service:
    # The apps' lifespans would start these; starting the runtime directly does the same work.
    await app.state.runtime.start()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return Service(app, httpx.AsyncClient(transport=transport, base_url=base_url))


async def stopped(service: Service) -> None:
    await service.client.aclose()
    await service.app.state.runtime.stop()


@pytest.fixture
async def referral_service(
    seeded_referral_database: str,
    make_referral_settings: ReferralSettingsFactory,
    nats_server: NatsServer,
) -> AsyncIterator[Service]:
    settings = make_referral_settings(
        seeded_referral_database, nats_server.url, outbox_poll_seconds=0.2
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
        database_url=url,
        nats_url=nats_server.url,
        jwks_url=dev_idp.jwks_url,
        trusted_issuers=trusted_issuers,
        field_keys=field_keys,
        field_key_current="k1",
        private_key=assessment_keypair[0],
        outbox_poll_seconds=0.2,
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
    settings = SchedulingSettings(
        database_url=url,
        nats_url=nats_server.url,
        jwks_url=dev_idp.jwks_url,
        trusted_issuers=trusted_issuers,
        field_keys=field_keys,
        field_key_current="k1",
        outbox_poll_seconds=0.2,
    )
    service = await started(create_scheduling_app(settings), "http://scheduling-api")
    yield service
    await stopped(service)
