"""What the police see of a referral's engagement through the API: the status, the outcome and
each step with its time; and why a closed referral can no longer be withdrawn."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest

from referral_api.config import Settings
from servicekit.db import Database

from ..helpers import AuthHeaders, counts, referral_body, submit
from .engagement_helpers import (
    assessed,
    booked,
    case_not_engaged,
    completed,
    consumer_of,
    contacted,
    intervention_not_engaged,
    perform,
)

pytestmark = pytest.mark.db


@pytest.fixture
async def database(referral_settings: Settings) -> AsyncIterator[Database]:
    db = Database(referral_settings.database_url, cipher=referral_settings.field_cipher())
    yield db
    await db.dispose()


def at(created: dict[str, str], **delta: float) -> datetime:
    return datetime.fromisoformat(created["submitted_at"]) + timedelta(**delta)


async def test_the_referral_shows_each_step_with_its_time_and_its_outcome(
    client: httpx.AsyncClient, auth: AuthHeaders, database: Database
) -> None:
    created = (await submit(client, auth())).json()
    rid = uuid.UUID(created["id"])
    consumer = consumer_of(database)
    path = f"/v1/referrals/{created['id']}"

    fresh = (await client.get(path, headers=auth())).json()
    assert fresh["status"] == "submitted" and fresh["outcome"] is None
    assert fresh["timeline"] == [{"status": "submitted", "at": created["submitted_at"]}]

    # arriving out of order: the booking before the contact
    await perform(database, consumer, rid, booked(rid, at(created, hours=30)))
    await perform(database, consumer, rid, contacted(rid, at(created, hours=3)))
    await perform(database, consumer, rid, assessed(rid, at(created, hours=29)))
    middle = (await client.get(path, headers=auth())).json()
    assert middle["status"] == "booked" and middle["engagement"] == "booked"
    assert [s["status"] for s in middle["timeline"]] == [
        "submitted",
        "contacted",
        "assessed",
        "booked",
    ]

    await perform(database, consumer, rid, completed(rid, at(created, days=5)))
    await perform(database, consumer, rid, contacted(rid, at(created, hours=2)))  # late, earlier
    done = (await client.get(path, headers=auth())).json()
    assert done["status"] == "completed" and done["outcome"] == "completed"
    assert done["closed_at"] is not None
    timeline = done["timeline"]
    assert [s["status"] for s in timeline] == [
        "submitted",
        "contacted",
        "assessed",
        "booked",
        "completed",
    ]
    assert datetime.fromisoformat(timeline[1]["at"]) == at(created, hours=2)
    assert timeline[-1]["at"] == done["closed_at"]
    # the police learn the steps, never what the person said
    assert "pathway" not in str(done) and "cannabis_group" not in str(done)


async def test_officers_list_their_own_and_supervisors_the_forces_by_status(
    client: httpx.AsyncClient, auth: AuthHeaders, database: Database
) -> None:
    consumer = consumer_of(database)
    mine = (await submit(client, auth(sub="officer-a"))).json()
    theirs = (await submit(client, auth(sub="officer-b"))).json()
    for created in (mine, theirs):
        rid = uuid.UUID(created["id"])
        await perform(database, consumer, rid, case_not_engaged(rid, at(created, days=28)))
    # someone else: the person who did not engage is barred now
    still_open = (
        await submit(client, auth(sub="officer-a"), referral_body(given_name="Alex"))
    ).json()

    def ids(page: httpx.Response) -> list[str]:
        assert page.status_code == 200, page.text
        return [item["id"] for item in page.json()["items"]]

    params = {"status": "not_engaged"}
    officer = await client.get("/v1/referrals", params=params, headers=auth(sub="officer-a"))
    assert ids(officer) == [mine["id"]]
    item = officer.json()["items"][0]
    assert item["outcome"] == "not_engaged" and item["engagement"] == "did not engage"
    assert [s["status"] for s in item["timeline"]] == ["submitted", "not_engaged"]
    supervisor = await client.get("/v1/referrals", params=params, headers=auth("supervisor"))
    assert set(ids(supervisor)) == {mine["id"], theirs["id"]}
    submitted = await client.get(
        "/v1/referrals", params={"status": "submitted"}, headers=auth("supervisor")
    )
    assert ids(submitted) == [still_open["id"]]


@pytest.mark.parametrize(
    ("end", "says"),
    [
        ("completed", "The person completed the intervention"),
        ("not_engaged", "The person did not engage with the drug service"),
    ],
)
async def test_a_referral_that_ended_cannot_be_withdrawn_and_the_problem_says_why(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    database: Database,
    referral_database: str,
    end: str,
    says: str,
) -> None:
    created = (await submit(client, auth())).json()
    rid = uuid.UUID(created["id"])
    ending = completed if end == "completed" else intervention_not_engaged
    await perform(database, consumer_of(database), rid, ending(rid, at(created, days=9)))
    before = await counts(referral_database)
    refused = await client.post(
        f"/v1/referrals/{created['id']}/withdrawal",
        json={"reason": "made_in_error"},
        headers={**auth(), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"] == "urn:diversion:problem:referral-closed"
    assert problem["detail"].startswith(says)
    assert problem["detail"].endswith("A closed referral can no longer be withdrawn.")
    assert problem["title"] == "Referral already closed" and problem["referral_status"] == end
    after = await counts(referral_database)
    assert after["referrals"] == before["referrals"] and after["bars"] == before["bars"]
    got = (await client.get(f"/v1/referrals/{created['id']}", headers=auth())).json()
    assert got["status"] == end


async def test_a_withdrawal_midway_is_accepted_and_shows_as_the_last_step(
    client: httpx.AsyncClient, auth: AuthHeaders, database: Database
) -> None:
    created = (await submit(client, auth())).json()
    rid = uuid.UUID(created["id"])
    consumer = consumer_of(database)
    # made before the withdrawal below, so dated before it
    earlier = datetime.fromisoformat(created["submitted_at"]) + timedelta(microseconds=1)
    await perform(database, consumer, rid, contacted(rid, earlier))
    await perform(database, consumer, rid, assessed(rid, earlier))
    withdrawn = await client.post(
        f"/v1/referrals/{created['id']}/withdrawal",
        json={"reason": "made_in_error"},
        headers=auth(),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert body["status"] == "withdrawn"
    assert [s["status"] for s in body["timeline"]] == [
        "submitted",
        "contacted",
        "assessed",
        "withdrawn",
    ]
