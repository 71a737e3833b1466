"""Fixtures for referral-api: a migrated, seeded database per test, the app, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from referral_api.config import Settings
from referral_api.main import create_app
from referral_api.seed import seed
from servicekit.crypto import new_key
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.databases import TemplateDatabases

SERVICE_DIR = Path(__file__).resolve().parents[1]
ALEMBIC_INI = SERVICE_DIR / "alembic.ini"

TokenFactory = Callable[..., str]


@pytest.fixture(scope="session")
def identity_key() -> str:
    return new_key()


@pytest.fixture
async def referral_database(template_databases: TemplateDatabases) -> str:
    url = await template_databases.fresh(ALEMBIC_INI)
    await seed(url)
    return url


@pytest.fixture
def referral_settings(
    referral_database: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    assessment_keypair: tuple[str, str],
    identity_key: str,
) -> Settings:
    return Settings(
        database_url=referral_database,
        nats_url=None,
        jwks_url=dev_idp.jwks_url,
        trusted_issuers=trusted_issuers,
        field_keys=field_keys,
        field_key_current="k1",
        identity_key=identity_key,
        assessment_public_key=assessment_keypair[1],
    )


@pytest.fixture
async def app(referral_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(referral_settings, start_background=False)
    yield application
    await application.state.runtime.db.dispose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://referral-api") as c:
        yield c


@pytest.fixture
def token(dev_idp: DevIdentityProvider) -> TokenFactory:
    def make(role: str = "officer", force: str = "demo", sub: str | None = None, **kw: Any) -> str:
        return dev_idp.token(role=role, forces=[force], subject=sub, **kw)

    return make


@pytest.fixture
def auth(token: TokenFactory) -> Callable[..., dict[str, str]]:
    def headers(
        role: str = "officer", force: str = "demo", sub: str | None = None
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(role, force, sub)}"}

    return headers
