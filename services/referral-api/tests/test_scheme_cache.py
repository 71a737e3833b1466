"""A force's settings and rule set are cached briefly: a change applies within the cache time."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from referral_api.config import Settings
from referral_api.forces.models import Force
from referral_api.main import create_app
from servicekit.db import Database

from .helpers import AuthHeaders, referral_body, submit

pytestmark = pytest.mark.db


async def retire_area(url: str, code: str) -> None:
    db = Database(url)
    try:
        async with db.session() as session:
            force = await session.get(Force, "demo")
            assert force is not None
            force.areas = [a for a in force.areas if a["code"] != code]
            await session.commit()
    finally:
        await db.dispose()


async def client_for(settings: Settings, ttl: float) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings.model_copy(update={"scheme_cache_seconds": ttl}), start_background=False
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as c:
        yield c
    await app.state.runtime.db.dispose()


@pytest.mark.parametrize(("ttl", "after_change"), [(30.0, 201), (0.0, 422)])
async def test_a_changed_area_applies_once_the_cache_expires(
    referral_settings: Settings,
    referral_database: str,
    auth: AuthHeaders,
    ttl: float,
    after_change: int,
) -> None:
    async for client in client_for(referral_settings, ttl):
        body = referral_body()
        body["encounter"]["area"] = "west"
        assert (await submit(client, auth(), body)).status_code == 201  # cached now
        await retire_area(referral_database, "west")
        response = await submit(client, auth(), referral_body() | {"encounter": body["encounter"]})
        assert response.status_code == after_change, response.text
        if after_change == 422:
            assert response.json()["errors"][0]["field"] == "encounter.area"
