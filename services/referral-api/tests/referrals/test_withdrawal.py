"""Withdrawing a referral made in error."""

from __future__ import annotations

import httpx
import pytest

from ..helpers import AuthHeaders, counts, outbox_events, submit

pytestmark = pytest.mark.db


async def test_withdrawal_publishes_withdrawn_and_closed_without_a_bar(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth())).json()
    response = await client.post(
        f"/v1/referrals/{created['id']}/withdrawal",
        json={"reason": "wrong_person", "note": "Details taken from the wrong person."},
        headers=auth(),
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["outcome"] == "withdrawn"
    withdrawn = await outbox_events(referral_database, "referral.withdrawn.v1")
    assert [e["data"]["reason"] for e in withdrawn] == ["wrong_person"]
    assert "wrong person" not in str(withdrawn)  # the free-text note stays here
    closed = await outbox_events(referral_database, "referral.closed.v1")
    assert closed[0]["data"]["outcome"] == "withdrawn"
    assert (await counts(referral_database))["bars"] == 0


async def test_a_closed_referral_cannot_be_withdrawn_again(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth())).json()
    path = f"/v1/referrals/{created['id']}/withdrawal"
    await client.post(path, json={"reason": "duplicate"}, headers=auth())
    before = await counts(referral_database)
    again = await client.post(path, json={"reason": "duplicate"}, headers=auth())
    assert again.status_code == 409
    assert again.json()["type"] == "urn:diversion:problem:referral-closed"
    assert await counts(referral_database) == before


async def test_withdrawal_needs_a_known_reason(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    created = (await submit(client, auth())).json()
    response = await client.post(
        f"/v1/referrals/{created['id']}/withdrawal", json={"reason": "bored"}, headers=auth()
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
