"""Withdrawing a referral made in error."""

from __future__ import annotations

import uuid

import httpx
import pytest

from ..helpers import AuthHeaders, counts, outbox_events, rows, submit

pytestmark = pytest.mark.db

AUDIT = (
    "SELECT actor, role, force_id, action, resource_type, resource_id, purpose "
    "FROM audit_log ORDER BY at"
)


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


async def test_a_retried_withdrawal_gets_the_first_response_and_withdraws_once(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth())).json()
    path = f"/v1/referrals/{created['id']}/withdrawal"
    headers = auth() | {"Idempotency-Key": str(uuid.uuid4())}
    body = {"reason": "wrong_person", "note": "Details taken from the wrong person."}
    first = await client.post(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    # the response was lost: the same request again gets the same answer, not 409
    again = await client.post(path, json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert len(await outbox_events(referral_database, "referral.withdrawn.v1")) == 1
    assert len(await outbox_events(referral_database, "referral.closed.v1")) == 1


async def test_a_withdrawal_key_reused_for_another_body_is_422(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth())).json()
    path = f"/v1/referrals/{created['id']}/withdrawal"
    headers = auth() | {"Idempotency-Key": str(uuid.uuid4())}
    assert (await client.post(path, json={"reason": "duplicate"}, headers=headers)).is_success
    before = await counts(referral_database)
    other = await client.post(path, json={"reason": "wrong_person"}, headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"] == "urn:diversion:problem:idempotency-key"
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert await counts(referral_database) == before


async def test_a_malformed_withdrawal_key_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth())).json()
    before = await counts(referral_database)
    response = await client.post(
        f"/v1/referrals/{created['id']}/withdrawal",
        json={"reason": "duplicate"},
        headers=auth() | {"Idempotency-Key": "short"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert await counts(referral_database) == before


async def test_the_stored_withdrawal_response_holds_no_personal_details(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth())).json()
    response = await client.post(
        f"/v1/referrals/{created['id']}/withdrawal",
        json={"reason": "wrong_person", "note": "Details taken from the wrong person."},
        headers=auth() | {"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.json()["person"]["family_name"] == "Example"
    stored = await rows(
        referral_database,
        "SELECT response_body FROM idempotency_keys WHERE scope LIKE '%/withdrawal'",
    )
    assert len(stored) == 1
    # names, birth dates and the crime reference are encrypted at rest: no plain copy here
    for value in ("Jordan", "Example", "1998-04-12", "CR/123456/26", "wrong person"):
        assert value not in str(stored[0].response_body)


async def test_a_withdrawal_is_audited_without_personal_values(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth(sub="pc-1"))).json()
    path = f"/v1/referrals/{created['id']}/withdrawal"
    headers = auth(role="supervisor", sub="ps-9") | {"Idempotency-Key": str(uuid.uuid4())}
    body = {"reason": "wrong_person", "note": "Details taken from the wrong person."}
    assert (await client.post(path, json=body, headers=headers)).status_code == 200
    audit = await rows(referral_database, AUDIT)
    assert [tuple(a) for a in audit] == [
        (
            "ps-9",
            "supervisor",
            "demo",
            "withdraw",
            "referral",
            created["id"],
            "withdraw a referral made in error",
        )
    ]
    # a retry answered from the stored response shows the person again: that is a read
    assert (await client.post(path, json=body, headers=headers)).status_code == 200
    audit = await rows(referral_database, AUDIT)
    assert [(a.action, a.resource_id, a.purpose) for a in audit[1:]] == [
        ("read", created["id"], "withdrawal retried")
    ]
    for value in ("Jordan", "Example", "1998-04-12", "CR/123456/26", "wrong person"):
        assert value not in str(audit)


async def test_a_refused_withdrawal_writes_no_audit_row(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth(sub="pc-1"))).json()
    path = f"/v1/referrals/{created['id']}/withdrawal"
    # not theirs: not found, nothing read
    refused = await client.post(path, json={"reason": "duplicate"}, headers=auth(sub="pc-2"))
    assert refused.status_code == 404
    assert (await counts(referral_database))["audit_log"] == 0
