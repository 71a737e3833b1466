"""Whether a person was referred before is never shown to officers; supervisors see it."""

from __future__ import annotations

import httpx
import pytest

from ..helpers import AuthHeaders, referral_body, submit

pytestmark = pytest.mark.db


async def refer_twice(client: httpx.AsyncClient, auth: AuthHeaders) -> tuple[str, str]:
    """The same person referred twice by one officer: the second is a re-referral."""
    first = await submit(client, auth(sub="pc-1"))
    again = await submit(client, auth(sub="pc-1"), referral_body(given_name="JORDAN"))
    assert first.status_code == again.status_code == 201, again.text
    assert "is_rereferral" not in first.json() and "is_rereferral" not in again.json()
    return first.json()["id"], again.json()["id"]


async def test_an_officer_is_not_told_the_person_was_referred_before(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    first, again = await refer_twice(client, auth)
    officer = auth(sub="pc-1")
    one = await client.get(f"/v1/referrals/{again}", headers=officer)
    assert one.status_code == 200 and one.json()["id"] == again
    assert "is_rereferral" not in one.json()
    listed = await client.get("/v1/referrals", headers=officer)
    assert {r["id"] for r in listed.json()["items"]} == {first, again}
    assert all("is_rereferral" not in r for r in listed.json()["items"])
    withdrawn = await client.post(
        f"/v1/referrals/{again}/withdrawal", json={"reason": "made_in_error"}, headers=officer
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert "is_rereferral" not in withdrawn.json()
    for response in (one, listed, withdrawn):
        assert "rereferral" not in response.text


async def test_supervisors_and_integration_clients_see_whether_it_is_a_rereferral(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    first, again = await refer_twice(client, auth)
    for role in ("supervisor", "integration"):
        for referral_id, expected in ((first, False), (again, True)):
            response = await client.get(f"/v1/referrals/{referral_id}", headers=auth(role=role))
            assert response.status_code == 200, (role, response.text)
            assert response.json()["is_rereferral"] is expected, role
    listed = await client.get("/v1/referrals", headers=auth(role="supervisor"))
    flags = {r["id"]: r["is_rereferral"] for r in listed.json()["items"]}
    assert flags == {first: False, again: True}
    withdrawn = await client.post(
        f"/v1/referrals/{again}/withdrawal",
        json={"reason": "duplicate"},
        headers=auth(role="supervisor"),
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["is_rereferral"] is True


async def test_the_api_document_says_officers_do_not_get_it(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["ReferralOut"]
    assert "is_rereferral" not in schema["required"]
    field = schema["properties"]["is_rereferral"]
    assert field["type"] == "boolean"
    assert "officer" in field["description"].lower()
