"""The outcome feed: each closed referral once, to its force's systems, in an order a client can
follow with a cursor for ever, however the closing transactions interleave."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts.vocabulary import ReferralOutcome
from referral_api.config import Settings

from ..conftest import TokenFactory
from ..helpers import (
    AuthHeaders,
    bearer,
    close_referral,
    referral_body,
    rows,
    sequence,
    submit,
)

pytestmark = pytest.mark.db

AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def client_of(token: TokenFactory, force: str = "demo") -> dict[str, str]:
    return bearer(token("integration", force=force, scopes=["outcomes:read"]))


async def read(
    client: httpx.AsyncClient, headers: dict[str, str], cursor: str | None = None, limit: int = 50
) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    if cursor is not None:
        params["cursor"] = cursor
    response = await client.get("/v1/outcomes", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_closed_referral_reaches_the_feed_once_numbered_with_its_outcome_code(
    client: httpx.AsyncClient, auth: AuthHeaders, token: TokenFactory, referral_settings: Settings
) -> None:
    created = (await submit(client, auth())).json()
    await close_referral(referral_settings, created["id"], ReferralOutcome.not_engaged, AT)
    headers = client_of(token)
    # closed but not yet numbered: not shown, so nothing numbered later can land behind it
    first = await read(client, headers)
    assert first["items"] == [] and first["next_cursor"]
    assert await sequence(referral_settings) == 1
    page = await read(client, headers, first["next_cursor"])
    assert page["items"] == [
        {
            "referral_id": created["id"],
            "reference": created["reference"],
            "force": "demo",
            "outcome": "not_engaged",
            "closed_at": "2026-11-26T10:00:00Z",
            "suggested_outcome_code": 8,
            "bar_expires_at": "2027-11-26T10:00:00Z",
            "barred_indefinitely": False,
        }
    ]
    audited = await rows(
        referral_settings.database_url,
        "SELECT actor, role, resource_id FROM audit_log WHERE purpose = 'outcome feed'",
    )
    assert [(a.role, a.resource_id) for a in audited] == [("integration", created["id"])]
    # an empty page keeps the cursor: the client asks again later from the same place
    empty = await read(client, headers, page["next_cursor"])
    assert empty == {"items": [], "next_cursor": page["next_cursor"]}
    assert await sequence(referral_settings) == 0


async def test_a_force_that_suggests_outcome_22_and_a_withdrawal_without_a_code(
    client: httpx.AsyncClient, auth: AuthHeaders, token: TokenFactory, referral_settings: Settings
) -> None:
    force = (await client.get("/v1/force", headers=auth(force="northshire"))).json()
    body = referral_body()
    body["encounter"]["area"] = force["areas"][0]["code"]
    completed = (await submit(client, auth(force="northshire"), body)).json()
    await close_referral(referral_settings, completed["id"], ReferralOutcome.completed, AT)
    body = referral_body(given_name="Alex")
    body["encounter"]["area"] = force["areas"][0]["code"]
    withdrawn = (await submit(client, auth(force="northshire"), body)).json()
    response = await client.post(
        f"/v1/referrals/{withdrawn['id']}/withdrawal",
        json={"reason": "made_in_error"},
        headers=auth(force="northshire"),
    )
    assert response.status_code == 200, response.text
    await sequence(referral_settings)
    items = (await read(client, client_of(token, "northshire")))["items"]
    assert [(i["referral_id"], i["outcome"], i["suggested_outcome_code"]) for i in items] == [
        (completed["id"], "completed", 22),
        (withdrawn["id"], "withdrawn", None),
    ]


async def test_a_later_commit_with_an_earlier_time_is_not_skipped(
    client: httpx.AsyncClient, auth: AuthHeaders, token: TokenFactory, referral_settings: Settings
) -> None:
    early, late = [(await submit(client, auth(), referral_body(given_name=n))).json() for n in "AB"]
    headers = client_of(token)
    await close_referral(referral_settings, late["id"], ReferralOutcome.completed, AT, AT)
    await sequence(referral_settings)
    page = await read(client, headers)
    assert [i["referral_id"] for i in page["items"]] == [late["id"]]
    # closed an hour "earlier" (its transaction began first) but committed after the read
    earlier = AT - timedelta(hours=1)
    await close_referral(
        referral_settings, early["id"], ReferralOutcome.completed, earlier, earlier
    )
    await sequence(referral_settings)
    after = await read(client, headers, page["next_cursor"])
    assert [i["referral_id"] for i in after["items"]] == [early["id"]]


async def test_each_force_reads_only_its_own_outcomes(
    client: httpx.AsyncClient, auth: AuthHeaders, token: TokenFactory, referral_settings: Settings
) -> None:
    created = (await submit(client, auth())).json()
    await close_referral(referral_settings, created["id"], ReferralOutcome.completed, AT)
    await sequence(referral_settings)
    assert (await read(client, client_of(token, "northshire")))["items"] == []
    assert len((await read(client, client_of(token, "demo")))["items"]) == 1


async def test_only_integration_clients_granted_outcomes_read(
    client: httpx.AsyncClient, auth: AuthHeaders, token: TokenFactory
) -> None:
    other = bearer(token("integration", scopes=["referrals:read"]))
    refused = await client.get("/v1/outcomes", headers=other)
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:diversion:problem:insufficient-scope"
    assert "outcomes:read" in refused.json()["detail"]
    for role in ("officer", "supervisor", "admin"):
        assert (await client.get("/v1/outcomes", headers=auth(role=role))).status_code == 403


@pytest.mark.parametrize("cursor", ["nonsense", "WyJ4Il0", "WyItMSJd", "WyIxIiwiMiJd"])
async def test_a_cursor_the_feed_did_not_write_is_refused(
    client: httpx.AsyncClient, token: TokenFactory, cursor: str
) -> None:
    response = await client.get("/v1/outcomes", params={"cursor": cursor}, headers=client_of(token))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "cursor", "message": "is not a cursor from a previous page"}
    ]


# One instance of the service, as a process of its own: closes its referrals one transaction at a
# time, each recorded earlier than the one before (so commit order and time order disagree), and
# numbers the feed after each, as every instance's sequencer does.
CLOSER = r"""
import asyncio, json, sys, uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import OperationalError

import referral_api.main  # every table, so each foreign key finds its target
from contracts.vocabulary import ReferralOutcome
from referral_api.forces.models import Force
from referral_api.outcomes.sequencer import FeedSequencer
from referral_api.outcomes.service import close
from referral_api.referrals.models import Referral
from servicekit.crypto import FieldCipher
from servicekit.db import Database


async def again(step):
    # SQLite refuses a second process's write at once when its snapshot is stale: try again
    for _ in range(200):
        try:
            return await step()
        except OperationalError:
            await asyncio.sleep(0.01)
    raise RuntimeError("the database stayed locked")


async def main(url, keys, shift, ids):
    db = Database(url, cipher=FieldCipher(keys, "k1"))
    sequencer = FeedSequencer(db, interval_seconds=1)
    start = datetime.now(UTC) - timedelta(hours=shift)
    for n, referral_id in enumerate(ids):
        at = start - timedelta(minutes=n)

        async def close_one():
            async with db.session() as session:
                referral = await session.get(Referral, uuid.UUID(referral_id))
                force = await session.get(Force, referral.force_id)
                await close(
                    session=session, referral=referral, force=force,
                    outcome=ReferralOutcome.completed, at=at, recorded_at=at,
                )
                await session.commit()

        await again(close_one)
        await again(sequencer.run_once)
    await db.dispose()


asyncio.run(main(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]))
"""


async def test_concurrent_closes_on_several_instances_reach_a_following_client_each_once(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    token: TokenFactory,
    referral_settings: Settings,
    field_keys: dict[str, str],
) -> None:
    ids = []
    for n in range(30):
        body = referral_body(given_name="Concurrent", family_name=f"Person{n}")
        ids.append((await submit(client, auth(), body)).json()["id"])
    instances = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CLOSER,
            referral_settings.database_url,
            json.dumps(field_keys),
            str(shift),
            *ids[shift::3],
            stderr=subprocess.PIPE,
        )
        for shift in range(3)
    ]
    headers = client_of(token)
    seen: list[str] = []
    cursor: str | None = None
    waiting = [asyncio.ensure_future(i.wait()) for i in instances]
    while not all(w.done() for w in waiting):
        page = await read(client, headers, cursor, limit=4)
        seen += [i["referral_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        await asyncio.sleep(0.01)
    for instance in instances:
        assert instance.stderr is not None
        assert instance.returncode == 0, (await instance.stderr.read()).decode()
    # the client followed the feed while the instances closed and numbered
    assert seen
    await sequence(referral_settings)
    while True:
        page = await read(client, headers, cursor, limit=4)
        if not page["items"]:
            break
        seen += [i["referral_id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert Counter(seen) == Counter(ids)
