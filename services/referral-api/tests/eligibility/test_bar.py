"""The bar through the API: refused with a date, free again after completing or expiry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from contracts.vocabulary import ReferralOutcome
from referral_api.config import Settings
from referral_api.days import local_day
from referral_api.dependencies import current_time
from referral_api.eligibility.models import EligibilityRuleSet
from referral_api.eligibility.schemas import example_eligibility_check
from referral_api.forces.models import Force
from referral_api.outcomes.service import add_months, close
from referral_api.referrals.models import Referral
from servicekit.db import Database

from ..helpers import AuthHeaders, referral_body, submit
from ..referrals.engagement_helpers import case_not_engaged, consumer_of, perform

pytestmark = pytest.mark.db


async def close_as(
    settings: Settings, referral_id: str, outcome: ReferralOutcome, at: datetime
) -> None:
    db = Database(settings.database_url, cipher=settings.field_cipher())
    try:
        async with db.session() as session:
            referral = await session.get(Referral, uuid.UUID(referral_id))
            assert referral is not None
            force = await session.get(Force, referral.force_id)
            assert force is not None
            await close(session=session, referral=referral, force=force, outcome=outcome, at=at)
            await session.commit()
    finally:
        await db.dispose()


async def store_rule_set_with_a_bar_reason(url: str, force_id: str, reason: str) -> None:
    """The force's active rule set as stored when the bar rule still carried a reason."""
    db = Database(url)
    try:
        async with db.session() as session:
            row = await session.scalar(
                select(EligibilityRuleSet).where(
                    EligibilityRuleSet.force_id == force_id, EligibilityRuleSet.active.is_(True)
                )
            )
            assert row is not None
            rules = [
                rule | {"reason": reason} if rule["kind"] == "bar" else rule
                for rule in row.document["rules"]
            ]
            row.document = row.document | {"rules": rules}
            await session.commit()
    finally:
        await db.dispose()


def referral_in(force: str) -> dict[str, Any]:
    """The example referral, made in one of the force's areas."""
    body = referral_body()
    body["encounter"]["area"] = {"demo": "central", "northshire": "coast"}[force]
    return body


def check_body(**person: str) -> dict[str, object]:
    body = example_eligibility_check()
    body["person"].update(person)  # type: ignore[attr-defined]
    return body


async def check(client: httpx.AsyncClient, auth: AuthHeaders, **person: str) -> dict[str, object]:
    response = await client.post(
        "/v1/eligibility-checks", json=check_body(**person), headers=auth()
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_not_engaged_within_the_period_is_refused_with_not_before(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
) -> None:
    created = (await submit(client, auth())).json()
    closed_at = datetime.now(UTC) - timedelta(days=30)
    await close_as(referral_settings, created["id"], ReferralOutcome.not_engaged, closed_at)
    decision = await check(client, auth)
    assert decision["eligible"] is False
    expected = (closed_at.replace(year=closed_at.year + 1)).date().isoformat()
    assert decision["not_before"] == expected
    assert decision["reasons"] == [f"not eligible until {expected}"]
    refused = await submit(client, auth())
    assert refused.status_code == 422 and refused.json()["not_before"] == expected
    problem = refused.json()
    assert problem["reasons"] == [f"not eligible until {expected}"]
    assert problem["detail"] == f"Not eligible until {expected}."


async def test_a_bar_for_ever_says_only_not_eligible(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
) -> None:
    northshire = auth(force="northshire")  # bars for ever
    created = (await submit(client, northshire, referral_in("northshire"))).json()
    await close_as(referral_settings, created["id"], ReferralOutcome.not_engaged, datetime.now(UTC))
    response = await client.post("/v1/eligibility-checks", json=check_body(), headers=northshire)
    decision = response.json()
    assert decision["eligible"] is False and decision["not_before"] is None
    assert decision["reasons"] == ["not eligible"]
    refused = (await submit(client, northshire, referral_in("northshire"))).json()
    assert refused["reasons"] == ["not eligible"] and "not_before" not in refused
    assert refused["detail"] == "Not eligible."


# Words that would tell the officer what happened to the person before.
HISTORY_WORDS = ("engage", "earlier", "referr", "history", "before", "previous", "again")


def officer_facing_text(body: dict[str, Any]) -> list[str]:
    """What a refusal or a check shows the officer in words."""
    results = body.get("results", [])
    return [
        *body.get("reasons", []),
        *(r["explanation"] or "" for r in results),
        *(body[key] for key in ("title", "detail") if key in body),
    ]


@pytest.mark.parametrize("force", ["demo", "northshire"])
async def test_the_officer_never_learns_the_persons_history(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
    force: str,
) -> None:
    officer = auth(force=force)
    created = (await submit(client, officer, referral_in(force))).json()
    await close_as(referral_settings, created["id"], ReferralOutcome.not_engaged, datetime.now(UTC))
    check_response = await client.post("/v1/eligibility-checks", json=check_body(), headers=officer)
    refused = await submit(client, officer, referral_in(force))
    assert check_response.json()["eligible"] is False and refused.status_code == 422
    shown = officer_facing_text(check_response.json()) + officer_facing_text(refused.json())
    assert shown
    for text in shown:
        for word in HISTORY_WORDS:
            assert word not in text.lower(), (word, text)
    assert created["reference"] not in check_response.text + refused.text


async def test_a_stored_bar_reason_is_neither_served_nor_shown(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
) -> None:
    await store_rule_set_with_a_bar_reason(
        referral_database, "demo", "did not engage with an earlier referral"
    )
    served = await client.get("/v1/eligibility-rule-sets/current", headers=auth())
    assert served.status_code == 200
    assert "earlier referral" not in served.text
    created = (await submit(client, auth())).json()
    await close_as(referral_settings, created["id"], ReferralOutcome.not_engaged, datetime.now(UTC))
    decision = await check(client, auth)
    assert decision["reasons"] == [f"not eligible until {decision['not_before']}"]


@pytest.mark.parametrize(
    "person",
    [
        {"given_name": "JORDAN", "family_name": "EXAMPLE"},
        {"given_name": " jordan ", "family_name": "ex-ample"},
        {"given_name": "Jördan", "family_name": "Éxample"},
        {"given_name": "Jordan", "family_name": "Ex ample"},
    ],
)
async def test_writing_the_name_differently_does_not_defeat_the_bar(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
    person: dict[str, str],
) -> None:
    created = (await submit(client, auth())).json()
    await close_as(referral_settings, created["id"], ReferralOutcome.not_engaged, datetime.now(UTC))
    decision = await check(client, auth, **person)
    assert decision["eligible"] is False and decision["not_before"]


async def test_completed_is_eligible_again_any_number_of_times(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
) -> None:
    for _ in range(3):
        created = await submit(client, auth())
        assert created.status_code == 201
        await close_as(
            referral_settings, created.json()["id"], ReferralOutcome.completed, datetime.now(UTC)
        )
    assert (await check(client, auth))["eligible"] is True


async def test_an_expired_bar_is_eligible(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
) -> None:
    created = (await submit(client, auth())).json()
    long_ago = datetime.now(UTC) - timedelta(days=400)
    await close_as(referral_settings, created["id"], ReferralOutcome.not_engaged, long_ago)
    decision = await check(client, auth)
    assert decision["eligible"] is True and decision["not_before"] is None
    assert (await submit(client, auth())).status_code == 201


async def test_the_bar_is_per_force(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
) -> None:
    created = (await submit(client, auth())).json()
    await close_as(referral_settings, created["id"], ReferralOutcome.not_engaged, datetime.now(UTC))
    other = await client.post(
        "/v1/eligibility-checks", json=check_body(), headers=auth(force="northshire")
    )
    assert other.json()["eligible"] is True


async def test_a_check_stores_nothing_about_the_person_but_the_audit_entry(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    from ..helpers import counts

    before = await counts(referral_database)
    await check(client, auth)
    assert await counts(referral_database) == before | {"audit_log": before["audit_log"] + 1}


async def test_a_barred_person_can_still_be_seen_as_someone_else(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    referral_settings: Settings,
) -> None:
    created = (await submit(client, auth())).json()
    await close_as(referral_settings, created["id"], ReferralOutcome.not_engaged, datetime.now(UTC))
    decision = await check(client, auth, given_name="Jordan", family_name="Sample")
    assert decision["eligible"] is True
    body = referral_body(family_name="Sample")
    assert (await submit(client, auth(), body)).status_code == 201


async def test_a_bar_from_a_real_non_engagement_holds_until_it_expires_and_not_after(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_settings: Settings,
) -> None:
    """The bar set when the drug service reports non-engagement, checked by a service standing
    on either side of its expiry (its clock replaced, as only a test may)."""
    created = (await submit(client, auth())).json()
    referral_id = uuid.UUID(created["id"])
    not_engaged_at = datetime.now(UTC) - timedelta(days=20)
    db = Database(referral_settings.database_url, cipher=referral_settings.field_cipher())
    try:
        await perform(
            db, consumer_of(db), referral_id, case_not_engaged(referral_id, not_engaged_at)
        )
    finally:
        await db.dispose()
    expires = add_months(not_engaged_at, 12)

    def standing_at(moment: datetime) -> None:
        async def now() -> datetime:
            return moment

        app.dependency_overrides[current_time] = now

    standing_at(expires - timedelta(days=1))
    refused = await check(client, auth)
    assert refused["eligible"] is False
    assert refused["not_before"] == local_day(expires).isoformat()

    standing_at(expires + timedelta(days=1))
    accepted = await check(client, auth)
    assert accepted["eligible"] is True and accepted["not_before"] is None
    app.dependency_overrides.clear()

    # on the real clock, a few weeks into the bar, the referral itself is refused too
    again = await submit(client, auth())
    assert again.status_code == 422 and again.json()["not_before"] == refused["not_before"]
