"""Free text in referral-api: every name, place, reference and note is the kit's `Text`."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from servicekit.types import MULTILINE_TEXT_PATTERN, TEXT_PATTERN
from servicekit_testing.openapi import request_strings

from .helpers import AuthHeaders, outbox_events, referral_body, submit

pytestmark = pytest.mark.db

# strings with a format of their own, checked by their own rule rather than as free text
# (a webhook's force is a force id, its url a URL checked on registration)
OWN_FORMAT = {"person.phone", "person.postcode", "person.preferred_language", "force", "url"}
# a force's question ids: the keys of `answers`, each checked against the force's questions
NOT_TEXT = {"answers.*"}


def test_every_free_text_field_carries_the_kits_rule(app: FastAPI) -> None:
    fields = dict(request_strings(app.openapi()))
    assert any(where.endswith("person.given_name") for where in fields)
    plain = []
    for where, schema in fields.items():
        path = where.split(" ")[2]
        if path in OWN_FORMAT or path.endswith(tuple(NOT_TEXT)):
            continue
        if schema.get("pattern") not in (TEXT_PATTERN, MULTILINE_TEXT_PATTERN):
            plain.append(where)
    assert plain == []


async def test_names_are_stored_nfc_normalised_so_one_person_is_one_person(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    # the same name typed with a combining diaeresis on one phone and a precomposed ë on another
    first = await submit(
        client, auth(), referral_body(given_name="Zoe\u0308", family_name="Brontë")
    )
    assert first.status_code == 201, first.text
    again = await submit(
        client, auth(), referral_body(given_name="Zoë", family_name="Bronte\u0308")
    )
    assert again.status_code == 201, again.text
    events = await outbox_events(referral_database, "referral.submitted.v1")
    assert [e["data"]["is_rereferral"] for e in events] == [False, True]
    stored = await client.get(f"/v1/referrals/{first.json()['id']}", headers=auth("supervisor"))
    assert stored.status_code == 200, stored.text
    assert stored.json()["person"]["given_name"] == "Zoë"


async def test_a_withdrawal_note_keeps_its_lines_and_refuses_controls(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    created = (await submit(client, auth())).json()
    url = f"/v1/referrals/{created['id']}/withdrawal"
    refused = await client.post(
        url, json={"reason": "made_in_error", "note": "\u202eoops"}, headers=auth()
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["note"]
    assert "bidirectional" in refused.json()["errors"][0]["message"]
    accepted = await client.post(
        url,
        json={"reason": "made_in_error", "note": "Wrong person.\nSpoke to the sergeant."},
        headers=auth(),
    )
    assert accepted.status_code == 200, accepted.text
