"""Fixtures for reporting-api: a migrated database per test, the app, tokens, and `project`,
which applies events through the kit's idempotent consumer as the live service does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from contracts import CloudEvent
from reporting_api.config import Settings
from reporting_api.db import kit
from reporting_api.main import create_app
from reporting_api.projections.projector import project as project_event
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
