"""Who may do what: every role's allowed and refused calls, and object-level scoping."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from referral_api.clients.schemas import example_client
from referral_api.eligibility.schemas import example_eligibility_check

from ..helpers import AuthHeaders, referral_body, rows, submit

pytestmark = pytest.mark.db

ROLES = ["officer", "supervisor", "worker", "facilitator", "analyst", "integration", "admin"]

# (method, path template, roles allowed)
MATRIX = [
    ("POST", "/v1/eligibility-checks", {"officer", "integration"}),
    ("POST", "/v1/referrals", {"officer", "integration"}),
    ("GET", "/v1/referrals/{id}", {"officer", "supervisor", "integration"}),
    ("GET", "/v1/referrals", {"officer", "supervisor"}),
    ("POST", "/v1/referrals/{id}/withdrawal", {"officer", "supervisor"}),
    ("GET", "/v1/eligibility-rule-sets/current", {"officer", "supervisor", "integration", "admin"}),
    ("GET", "/v1/force", {"officer", "supervisor", "integration", "admin"}),
    ("GET", "/v1/referrals/{id}/fhir", {"supervisor", "integration"}),
    ("POST", "/v1/integration-clients", {"admin"}),
    ("GET", "/v1/integration-clients", {"admin"}),
    ("GET", "/v1/integration-clients/{client}", {"admin"}),
    ("POST", "/v1/integration-clients/{client}/suspension", {"admin"}),
    ("POST", "/v1/integration-clients/{client}/reinstatement", {"admin"}),
    ("POST", "/v1/integration-clients/{client}/revocation", {"admin"}),
    ("POST", "/v1/officers", {"admin"}),
    ("GET", "/v1/outcomes", {"integration"}),
    # the webhook routes, admin only, are tried role by role in webhooks/test_registration.py
    ("GET", "/v1/webhooks", {"admin"}),
]


async def _call(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    body: object = None
    if path == "/v1/eligibility-checks":
        body = example_eligibility_check()
    elif path == "/v1/referrals" and method == "POST":
        # a force system names the officer it refers for (known by their own sign-in)
        body = referral_body() | {"officer_id": "demo-officer-1"}
        headers = headers | {"Idempotency-Key": str(uuid.uuid4())}
    elif path.endswith("/withdrawal"):
        body = {"reason": "made_in_error"}
    elif path == "/v1/integration-clients" and method == "POST":
        body = example_client()
    elif path.endswith(("/suspension", "/reinstatement", "/revocation")):
        body = {"reason": "reviewed"}
    elif path == "/v1/officers":
        body = {"force": "demo", "officer_id": "pc-4471"}
    return await client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_is_allowed_only_its_calls(
    client: httpx.AsyncClient, auth: AuthHeaders, role: str
) -> None:
    await client.get("/v1/force", headers=auth())  # demo-officer-1 signs in
    for method, template, allowed in MATRIX:
        # a fresh referral made by the officer whose token the role shares the subject with
        created = (await submit(client, auth(sub=f"demo-{role}-1"))).json()
        registered = await client.post(
            "/v1/integration-clients", json=example_client(), headers=auth(role="admin")
        )
        path = template.format(id=created["id"], client=registered.json()["id"])
        response = await _call(client, method, path, auth(role=role))
        if role in allowed:
            assert response.status_code in (200, 201), (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response.status_code)
            assert response.headers["content-type"] == "application/problem+json"
            assert role in response.json()["detail"]


# the scope each call open to integration clients needs
SCOPES = {
    ("POST", "/v1/eligibility-checks"): "eligibility:check",
    ("POST", "/v1/referrals"): "referrals:write",
    ("GET", "/v1/referrals/{id}"): "referrals:read",
    ("GET", "/v1/eligibility-rule-sets/current"): "scheme:read",
    ("GET", "/v1/force"): "scheme:read",
    ("GET", "/v1/referrals/{id}/fhir"): "referrals:read",
    ("GET", "/v1/outcomes"): "outcomes:read",
}


async def test_an_integration_client_makes_only_the_calls_its_grant_allows(
    client: httpx.AsyncClient, auth: AuthHeaders, token: Any
) -> None:
    integration_calls = [(m, t) for m, t, allowed in MATRIX if "integration" in allowed]
    assert sorted(integration_calls) == sorted(SCOPES)
    for (method, template), scope in SCOPES.items():
        created = (await submit(client, auth())).json()
        path = template.format(id=created["id"])
        granted = {"Authorization": f"Bearer {token('integration', scopes=[scope])}"}
        response = await _call(client, method, path, granted)
        assert response.status_code in (200, 201), (method, path, response.text)
        others = [s for s in set(SCOPES.values()) if s != scope]
        refused = await _call(
            client,
            method,
            path,
            {"Authorization": f"Bearer {token('integration', scopes=others)}"},
        )
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.json()["type"] == "urn:diversion:problem:insufficient-scope"
        assert scope in refused.json()["detail"]


async def test_no_token_or_a_bad_token_is_401(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic eDp5"}):
        response = await client.get("/v1/referrals", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"] == "application/problem+json"


async def test_another_forces_referral_is_not_found(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    created = (await submit(client, auth())).json()
    for role in ("officer", "supervisor", "integration"):
        response = await client.get(
            f"/v1/referrals/{created['id']}", headers=auth(role=role, force="northshire")
        )
        assert response.status_code == 404, role
        assert response.json()["type"] == "urn:diversion:problem:referral-not-found"
    listed = await client.get("/v1/referrals", headers=auth(role="supervisor", force="northshire"))
    assert listed.json()["items"] == []
    withdraw = await client.post(
        f"/v1/referrals/{created['id']}/withdrawal",
        json={"reason": "made_in_error"},
        headers=auth(role="supervisor", force="northshire"),
    )
    assert withdraw.status_code == 404


async def test_officers_see_only_their_own_supervisors_their_force(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    mine = (await submit(client, auth(sub="pc-1"))).json()
    theirs = (await submit(client, auth(sub="pc-2"))).json()
    assert (
        await client.get(f"/v1/referrals/{theirs['id']}", headers=auth(sub="pc-1"))
    ).status_code == 404
    own_list = (await client.get("/v1/referrals", headers=auth(sub="pc-1"))).json()
    assert [r["id"] for r in own_list["items"]] == [mine["id"]]
    force_list = (await client.get("/v1/referrals", headers=auth(role="supervisor"))).json()
    assert {r["id"] for r in force_list["items"]} == {mine["id"], theirs["id"]}
    # another officer cannot withdraw it either
    refused = await client.post(
        f"/v1/referrals/{mine['id']}/withdrawal",
        json={"reason": "made_in_error"},
        headers=auth(sub="pc-2"),
    )
    assert refused.status_code == 404


async def test_reads_of_a_person_are_audited(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = (await submit(client, auth(sub="pc-1"))).json()
    await client.get(f"/v1/referrals/{created['id']}", headers=auth(role="supervisor", sub="ps-9"))
    await client.get("/v1/referrals", headers=auth(sub="pc-1"))
    audit = await rows(
        referral_database,
        "SELECT actor, role, force_id, action, resource_type, resource_id, purpose "
        "FROM audit_log ORDER BY at",
    )
    assert [(a.actor, a.role, a.resource_id, a.purpose) for a in audit] == [
        ("ps-9", "supervisor", created["id"], "view referral status"),
        ("pc-1", "officer", created["id"], "list referrals"),
    ]
    assert all(a.force_id == "demo" and a.action == "read" for a in audit)


async def test_a_force_without_a_scheme_is_refused(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    response = await submit(client, auth(force="atlantis"))
    assert response.status_code == 403
    assert response.json()["type"] == "urn:diversion:problem:force-not-configured"


async def test_list_paginates_newest_first_and_filters(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    ids = [(await submit(client, auth(sub="pc-1"))).json()["id"] for _ in range(5)]
    await client.post(
        f"/v1/referrals/{ids[0]}/withdrawal", json={"reason": "duplicate"}, headers=auth(sub="pc-1")
    )
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/referrals", params=params, headers=auth(sub="pc-1"))).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    withdrawn = await client.get(
        "/v1/referrals", params={"status": "withdrawn"}, headers=auth(sub="pc-1")
    )
    assert [r["id"] for r in withdrawn.json()["items"]] == [ids[0]]
    bad = await client.get("/v1/referrals", params={"cursor": "garbage"}, headers=auth(sub="pc-1"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    too_many = await client.get("/v1/referrals", params={"limit": 1000}, headers=auth(sub="pc-1"))
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "limit"


def _cursor(raw: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "raw",
    [
        ["2024-01-01T00:00:00", "5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f"],  # no time zone
        ["2024-01-01T00:00:00+00:00", 12345],
        ["2024-01-01T00:00:00+00:00", None],
        [20240101, "5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f"],
        ["2024-01-01T00:00:00+00:00"],
        {"at": "2024-01-01T00:00:00+00:00"},
        "2024-01-01T00:00:00+00:00",
        ["9999-12-31T23:00:00-05:00", "5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f"],
    ],
)
async def test_a_crafted_cursor_is_refused_as_invalid(
    client: httpx.AsyncClient, auth: AuthHeaders, raw: object
) -> None:
    await submit(client, auth(sub="pc-1"))
    response = await client.get(
        "/v1/referrals", params={"cursor": _cursor(raw)}, headers=auth(sub="pc-1")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "cursor"


async def test_a_cursor_in_another_time_zone_pages_like_utc(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    ids = [(await submit(client, auth(sub="pc-1"))).json()["id"] for _ in range(2)]
    first = (
        await client.get("/v1/referrals", params={"limit": 1}, headers=auth(sub="pc-1"))
    ).json()
    at, last_id = json.loads(
        base64.urlsafe_b64decode(first["next_cursor"] + "=" * (-len(first["next_cursor"]) % 4))
    )
    shifted = datetime.fromisoformat(at).astimezone(timezone(timedelta(hours=-5))).isoformat()
    page = await client.get(
        "/v1/referrals",
        params={"limit": 1, "cursor": _cursor([shifted, last_id])},
        headers=auth(sub="pc-1"),
    )
    assert page.status_code == 200, page.text
    assert [r["id"] for r in page.json()["items"]] == [ids[0]]
