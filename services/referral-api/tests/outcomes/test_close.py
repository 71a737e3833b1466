"""Closing a referral: completed leaves the person free; not engaged sets the bar."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from contracts.vocabulary import ReferralOutcome
from referral_api.config import Settings
from referral_api.forces.models import Force
from referral_api.outcomes.models import Bar
from referral_api.outcomes.service import add_months, close
from referral_api.referrals.models import Referral
from servicekit.db import Database

from ..helpers import AuthHeaders, outbox_events, referral_body, submit

pytestmark = pytest.mark.db


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2027, 1, 31, tzinfo=UTC), 13, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 11, 26, 9, 30, tzinfo=UTC), 12, datetime(2027, 11, 26, 9, 30, tzinfo=UTC)),
        (datetime(2028, 2, 29, tzinfo=UTC), 12, datetime(2029, 2, 28, tzinfo=UTC)),
    ],
)
def test_add_months_keeps_the_day_or_the_month_end(
    start: datetime, months: int, end: datetime
) -> None:
    assert add_months(start, months) == end


async def _close(
    settings: Settings, referral_id: str, outcome: ReferralOutcome, at: datetime
) -> Bar | None:
    db = Database(settings.database_url, cipher=settings.field_cipher())
    try:
        async with db.session() as session:
            referral = await session.get(Referral, uuid.UUID(referral_id))
            assert referral is not None
            force = await session.get(Force, referral.force_id)
            assert force is not None
            bar = await close(
                session=session, referral=referral, force=force, outcome=outcome, at=at
            )
            await session.commit()
            return bar
    finally:
        await db.dispose()


AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


async def test_not_engaged_bars_for_the_force_period_and_publishes_closed(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
) -> None:
    created = (await submit(client, auth())).json()
    bar = await _close(referral_settings, created["id"], ReferralOutcome.not_engaged, AT)
    assert bar is not None and bar.expires_at == datetime(2027, 11, 26, 10, 0, tzinfo=UTC)
    closed = await outbox_events(referral_database, "referral.closed.v1")
    assert [e["data"]["outcome"] for e in closed] == ["not_engaged"]
    assert closed[0]["data"]["bar_expires_at"].startswith("2027-11-26T10:00")
    assert closed[0]["data"]["suggested_outcome_code"] == 8
    assert closed[0]["subject"] == created["id"]
    got = (await client.get(f"/v1/referrals/{created['id']}", headers=auth())).json()
    assert got["status"] == "not_engaged" and got["engagement"] == "did not engage"


async def test_completed_sets_no_bar(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
) -> None:
    created = (await submit(client, auth())).json()
    assert await _close(referral_settings, created["id"], ReferralOutcome.completed, AT) is None
    closed = await outbox_events(referral_database, "referral.closed.v1")
    assert closed[0]["data"]["outcome"] == "completed"
    assert "bar_expires_at" not in closed[0]["data"]


async def test_closing_twice_changes_nothing(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
) -> None:
    created = (await submit(client, auth())).json()
    await _close(referral_settings, created["id"], ReferralOutcome.completed, AT)
    assert await _close(referral_settings, created["id"], ReferralOutcome.not_engaged, AT) is None
    closed = await outbox_events(referral_database, "referral.closed.v1")
    assert [e["data"]["outcome"] for e in closed] == ["completed"]


async def test_a_force_that_bars_for_ever(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
) -> None:
    body = (await client.get("/v1/force", headers=auth(force="northshire"))).json()
    referral = referral_body()
    referral["encounter"]["area"] = body["areas"][0]["code"]
    created = (await submit(client, auth(force="northshire"), referral)).json()
    bar = await _close(referral_settings, created["id"], ReferralOutcome.not_engaged, AT)
    assert bar is not None and bar.expires_at is None
    closed = await outbox_events(referral_database, "referral.closed.v1")
    assert closed[0]["data"]["barred_indefinitely"] is True
    assert closed[0]["data"]["suggested_outcome_code"] == 22
