"""The eligibility check's audit entry: who checked and when, and nothing about the person."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from referral_api.eligibility.schemas import example_eligibility_check
from referral_api.people.identity import person_key

from ..helpers import AuthHeaders, counts, rows

pytestmark = pytest.mark.db


async def check(client: httpx.AsyncClient, auth: AuthHeaders, **person: str) -> httpx.Response:
    body = example_eligibility_check()
    body["person"].update(person)
    return await client.post("/v1/eligibility-checks", json=body, headers=auth())


async def test_a_check_is_audited_without_naming_or_keying_the_person(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str, identity_key: str
) -> None:
    assert (await check(client, auth)).status_code == 200
    audit = await rows(
        referral_database,
        "SELECT actor, role, force_id, action, resource_type, resource_id, purpose FROM audit_log",
    )
    assert [tuple(a) for a in audit] == [
        (
            "demo-officer-1",
            "officer",
            "demo",
            "read",
            "eligibility-check",
            None,
            "check eligibility",
        )
    ]
    # a check stores nothing about the person: not their name, nor even their person key
    key = person_key(
        identity_key=identity_key,
        force_id="demo",
        given_name="Jordan",
        family_name="Example",
        date_of_birth=date(1998, 4, 12),
    )
    for value in ("Jordan", "Example", "jordan", "example", "1998-04-12", key):
        assert value not in str(audit)


async def test_a_check_refused_before_the_lookup_writes_no_audit_row(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    response = await check(client, auth, date_of_birth="2099-01-01")
    assert response.status_code == 422
    assert (await counts(referral_database))["audit_log"] == 0
