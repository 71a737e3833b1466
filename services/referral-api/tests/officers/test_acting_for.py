"""A force system refers for an officer of its own force: named, and known to be of it
(docs/decisions/0010-officers-known-per-force.md). The referral keeps both: the system that
acted and the officer it acted for."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ..helpers import AuthHeaders, counts, referral_body, rows, submit

pytestmark = pytest.mark.db

SYSTEM = {"role": "integration"}  # the seeded development client of force demo


async def register_officer(
    client: httpx.AsyncClient, auth: AuthHeaders, officer_id: str, force: str = "demo"
) -> httpx.Response:
    return await client.post(
        "/v1/officers",
        json={"force": force, "officer_id": officer_id},
        headers=auth(role="admin", force=force, sub="admin-1"),
    )


async def test_an_officer_who_has_signed_in_can_be_referred_for(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    # the officer's own token, on any call (the portal reads the force at sign-in)
    assert (await client.get("/v1/force", headers=auth(sub="pc-4521"))).status_code == 200
    made = await submit(client, auth(**SYSTEM), referral_body() | {"officer_id": "pc-4521"})
    assert made.status_code == 201, made.text
    stored = await rows(
        referral_database,
        "SELECT r.officer_subject, r.submitted_by_role, c.client_id FROM referrals r "
        "JOIN integration_clients c ON c.id = r.integration_client_id",
    )
    assert [tuple(r) for r in stored] == [("pc-4521", "integration", "demo-integration-1")]
    # the officer sees it as theirs; the system's read names who acted
    mine = (await client.get("/v1/referrals", headers=auth(sub="pc-4521"))).json()["items"]
    assert [r["id"] for r in mine] == [made.json()["id"]]
    read = await client.get(f"/v1/referrals/{made.json()['id']}", headers=auth(**SYSTEM))
    assert read.json()["officer_id"] == "pc-4521"
    assert read.json()["integration_client_id"] is not None
    known = await rows(referral_database, "SELECT force_id, known_by FROM officers")
    assert [tuple(r) for r in known] == [("demo", "signed_in")]


async def test_an_officer_registered_by_an_administrator_can_be_referred_for(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    first = await register_officer(client, auth, "pc-9001")
    assert first.status_code == 201, first.text
    assert first.json()["known_by"] == "registered"
    again = await register_officer(client, auth, "pc-9001")
    assert again.status_code == 200 and again.json() == first.json()
    made = await submit(client, auth(**SYSTEM), referral_body() | {"officer_id": "pc-9001"})
    assert made.status_code == 201, made.text
    log = await rows(
        referral_database,
        "SELECT actor, action, resource_id FROM audit_log WHERE resource_type = 'officer'",
    )
    assert [tuple(r) for r in log] == [("admin-1", "register", "pc-9001")]


@pytest.mark.parametrize(
    ("officer", "words"),
    [
        ({}, "is required from a force system"),
        ({"officer_id": "pc-never-seen"}, "is not an officer known in force 'demo'"),
        ({"officer_id": "pc-of-northshire"}, "is not an officer known in force 'demo'"),
    ],
    ids=["not-named", "unknown", "another-force"],
)
async def test_an_officer_not_known_in_the_systems_force_is_refused(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    officer: dict[str, Any],
    words: str,
) -> None:
    # known, but in Northshire
    await client.get("/v1/force", headers=auth(force="northshire", sub="pc-of-northshire"))
    assert (await register_officer(client, auth, "pc-of-northshire", "northshire")).status_code in (
        200,
        201,
    )
    before = await counts(referral_database)
    refused = await submit(client, auth(**SYSTEM), referral_body() | officer)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    errors = refused.json()["errors"]
    assert errors[0]["field"] == "officer_id" and words in errors[0]["message"]
    assert await counts(referral_database) == before


async def test_officers_cannot_refer_in_another_officers_name(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    await submit(client, auth(sub="pc-1"), referral_body() | {"officer_id": "pc-2"})
    subjects = await rows(referral_database, "SELECT officer_subject FROM referrals")
    assert [r[0] for r in subjects] == ["pc-1"]


async def test_only_an_administrator_of_the_force_registers_officers(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    for role in ("officer", "supervisor", "integration", "worker", "analyst", "facilitator"):
        response = await client.post(
            "/v1/officers", json={"force": "demo", "officer_id": "pc-1"}, headers=auth(role=role)
        )
        assert response.status_code == 403, role
    other = await register_officer(client, auth, "pc-1", force="demo")
    assert other.status_code == 201
    theirs = await client.post(
        "/v1/officers",
        json={"force": "demo", "officer_id": "pc-1"},
        headers=auth(role="admin", force="northshire", sub="admin-2"),
    )
    assert theirs.status_code == 422
    assert theirs.json()["errors"][0]["field"] == "force"
