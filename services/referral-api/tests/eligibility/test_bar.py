"""The bar through the API: refused with a date, free again after completing or expiry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contracts.vocabulary import ReferralOutcome
from referral_api.forces.models import Force
from referral_api.outcomes.service import close
from referral_api.referrals.models import Referral
from referral_api.referrals.schemas import example_eligibility_check
from servicekit.db import Database

from ..helpers import AuthHeaders, referral_body, submit

pytestmark = pytest.mark.db


async def close_as(url: str, referral_id: str, outcome: ReferralOutcome, at: datetime) -> None:
    db = Database(url)
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
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth())).json()
    closed_at = datetime.now(UTC) - timedelta(days=30)
    await close_as(referral_database, created["id"], ReferralOutcome.not_engaged, closed_at)
    decision = await check(client, auth)
    assert decision["eligible"] is False
    expected = (closed_at.replace(year=closed_at.year + 1)).date().isoformat()
    assert decision["not_before"] == expected
    assert decision["reasons"] == [
        f"not eligible: did not engage with an earlier referral (until {expected})"
    ]
    refused = await submit(client, auth())
    assert refused.status_code == 422 and refused.json()["not_before"] == expected


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
    person: dict[str, str],
) -> None:
    created = (await submit(client, auth())).json()
    await close_as(referral_database, created["id"], ReferralOutcome.not_engaged, datetime.now(UTC))
    decision = await check(client, auth, **person)
    assert decision["eligible"] is False and decision["not_before"]


async def test_completed_is_eligible_again_any_number_of_times(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    for _ in range(3):
        created = await submit(client, auth())
        assert created.status_code == 201
        await close_as(
            referral_database, created.json()["id"], ReferralOutcome.completed, datetime.now(UTC)
        )
    assert (await check(client, auth))["eligible"] is True


async def test_an_expired_bar_is_eligible(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth())).json()
    long_ago = datetime.now(UTC) - timedelta(days=400)
    await close_as(referral_database, created["id"], ReferralOutcome.not_engaged, long_ago)
    decision = await check(client, auth)
    assert decision["eligible"] is True and decision["not_before"] is None
    assert (await submit(client, auth())).status_code == 201


async def test_the_bar_is_per_force(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth())).json()
    await close_as(referral_database, created["id"], ReferralOutcome.not_engaged, datetime.now(UTC))
    other = await client.post(
        "/v1/eligibility-checks", json=check_body(), headers=auth(force="northshire")
    )
    assert other.json()["eligible"] is True


async def test_a_check_stores_nothing_about_the_person(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    from ..helpers import counts

    before = await counts(referral_database)
    await check(client, auth)
    assert await counts(referral_database) == before


async def test_a_barred_person_can_still_be_seen_as_someone_else(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth())).json()
    await close_as(referral_database, created["id"], ReferralOutcome.not_engaged, datetime.now(UTC))
    decision = await check(client, auth, given_name="Jordan", family_name="Sample")
    assert decision["eligible"] is True
    body = referral_body(family_name="Sample")
    assert (await submit(client, auth(), body)).status_code == 201
