"""Fixtures for webhooks: the app in development (receivers on this machine), a receiver over
real HTTP, and a sender the test drives with its own clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from referral_api.config import Settings
from referral_api.main import create_app
from referral_api.webhooks.sender import Retry, WebhookSender
from servicekit.db import Database
from servicekit_testing.server import serving

from ..receiver import Receiver

RETRY = Retry(
    max_attempts=3, backoff_seconds=2, backoff_max_seconds=60, timeout_seconds=2, lease_seconds=5
)


@pytest.fixture
def dev_settings(referral_settings: Settings) -> Settings:
    return referral_settings.model_copy(
        update={"development": True, "webhook_secret_overlap_seconds": 60.0}
    )


@pytest.fixture
async def app(dev_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(dev_settings, start_background=False)
    yield application
    await application.state.runtime.db.dispose()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hook = Receiver()
    async with serving(hook) as url:
        yield hook, url + "/hooks/outcomes"


Senders = Callable[..., WebhookSender]


@pytest.fixture
async def sender(dev_settings: Settings) -> AsyncIterator[Senders]:
    opened: list[Database] = []

    def make(**kw: Any) -> WebhookSender:
        db = Database(dev_settings.database_url, cipher=dev_settings.field_cipher())
        opened.append(db)
        kw.setdefault("retry", RETRY)
        kw.setdefault("development", True)
        kw.setdefault("jitter", lambda: 0.5)
        return WebhookSender(db, **kw)

    yield make
    for db in opened:
        await db.dispose()


def now() -> datetime:
    return datetime.now(UTC)


async def register(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, force: str = "demo"
) -> dict[str, Any]:
    response = await client.post(
        "/v1/webhooks",
        json={"force": force, "url": url, "description": "Records management"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())
