"""Submitting referrals: stored once, published once, personal data sealed and encrypted."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts.events.v1 import ContactDetails
from contracts.sealed import SealedField, open_sealed

from ..helpers import AuthHeaders, counts, outbox_events, referral_body, rows, scalar, submit

pytestmark = pytest.mark.db


async def test_a_referral_is_stored_and_its_event_staged(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    assessment_keypair: tuple[str, str],
) -> None:
    response = await submit(client, auth())
    assert response.status_code == 201
    created = response.json()
    assert created["reference"].startswith("DEMO-")
    assert created["status"] == "submitted"
    assert created["suggested_outcome_code"] == 8
    assert response.headers["location"] == f"/v1/referrals/{created['id']}"
    events = await outbox_events(referral_database, "referral.submitted.v1")
    assert len(events) == 1
    event = events[0]
    assert event["subject"] == created["id"] and event["forceid"] == "demo"
    data = event["data"]
    assert data["reference"] == created["reference"]
    assert data["main_substance"] == "cannabis" and data["age_years"] >= 18
    assert data["self_defined_ethnicity"] == "B1" and data["observed_ethnicity"] == "IC3"
    assert data["is_rereferral"] is False
    # the provider's contact details travel only sealed to the assessment service
    raw = json.dumps(event)
    for secret in ("Jordan", "Example", "07700 900123", "B1 1AA", "1998-04-12"):
        assert secret not in raw
    contact = ContactDetails.model_validate_json(
        open_sealed(SealedField.model_validate(data["contact"]), private_key=assessment_keypair[0])
    )
    assert contact.given_name == "Jordan" and contact.phone == "07700 900123"


async def test_personal_fields_are_encrypted_at_rest(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    await submit(client, auth())
    row = (
        await rows(
            referral_database,
            "SELECT given_name, family_name, date_of_birth, phone, postcode, gender, "
            "self_defined_ethnicity, observed_ethnicity, place, crime_reference FROM referrals",
        )
    )[0]
    for value in row:
        assert value.startswith("enc1.k1."), value
    assert "Jordan" not in json.dumps(
        [list(r) for r in await rows(referral_database, "SELECT * FROM referrals")], default=str
    )


async def test_same_key_same_body_gives_the_same_referral(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    body, key = referral_body(), str(uuid.uuid4())
    first = await submit(client, auth(), body, key)
    again = await submit(client, auth(), body, key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await scalar(referral_database, "SELECT count(*) FROM referrals") == 1
    assert len(await outbox_events(referral_database, "referral.submitted.v1")) == 1


async def test_same_key_other_body_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    key = str(uuid.uuid4())
    await submit(client, auth(), referral_body(), key)
    before = await counts(referral_database)
    other = await submit(client, auth(), referral_body(given_name="Riley"), key)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert await counts(referral_database) == before


async def test_keys_are_per_caller(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    key = str(uuid.uuid4())
    await submit(client, auth(sub="officer-a"), referral_body(), key)
    second = await submit(client, auth(sub="officer-b"), referral_body(), key)
    assert second.status_code == 201
    assert await scalar(referral_database, "SELECT count(*) FROM referrals") == 2


@pytest.mark.parametrize("key", [None, "short", "has spaces in it", "x" * 201])
async def test_a_missing_or_malformed_key_is_refused(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str, key: str | None
) -> None:
    headers = auth() | ({} if key is None else {"Idempotency-Key": key})
    response = await client.post("/v1/referrals", json=referral_body(), headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert await scalar(referral_database, "SELECT count(*) FROM referrals") == 0


async def test_a_rereferral_is_flagged(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    await submit(client, auth())
    await submit(client, auth(), referral_body(given_name="JORDAN", family_name="example "))
    events = await outbox_events(referral_database, "referral.submitted.v1")
    assert [e["data"]["is_rereferral"] for e in events] == [False, True]
    assert events[0]["data"]["person_key"] == events[1]["data"]["person_key"]


def _now(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def _set(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    target = body
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if value is _DELETE:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return body


_DELETE = object()

BAD_INPUT = [
    ("person.date_of_birth", "2090-01-01", "person.date_of_birth", "future"),
    ("person.date_of_birth", "1850-01-01", "person.date_of_birth", "over 120"),
    ("person.date_of_birth", "12/04/1998", "person.date_of_birth", "date"),
    ("person.self_defined_ethnicity", "Z9", "person.self_defined_ethnicity", "W1"),
    ("person.observed_ethnicity", "IC7", "person.observed_ethnicity", "IC1"),
    ("person.gender", "unknown", "person.gender", "female"),
    ("person.phone", "call me", "person.phone", "phone"),
    ("person.email", "not-an-email", "person.email", "email"),
    ("person.postcode", "NOWHERE", "person.postcode", "postcode"),
    ("person.given_name", "", "person.given_name", "at least 1"),
    ("person.phone", _DELETE, "person.email", "phone number or an email"),
    ("encounter.occurred_at", "FUTURE", "encounter.occurred_at", "future"),
    ("encounter.occurred_at", "2020-01-01T10:00:00Z", "encounter.occurred_at", "30 days"),
    ("encounter.occurred_at", "2026-11-26T10:00:00", "encounter.occurred_at", "timezone"),
    ("encounter.area", "atlantis", "encounter.area", "areas"),
    ("encounter.origin", "tip_off", "encounter.origin", "stop_and_search"),
    ("substances", [], "substances", "at least 1"),
    ("substances.0.substance", "caffeine", "substances.0.substance", "cannabis"),
    ("substances.0.estimated_quantity", -1, "substances.0.estimated_quantity", "greater than 0"),
    ("main_substance", "heroin", "main_substance", "one of the substances"),
    ("answers.favourite_colour", True, "answers.favourite_colour", "not a question"),
    ("answers.personal_use_only", _DELETE, "answers.personal_use_only", "answer"),
    ("agreement.recorded_at", "FUTURE", "agreement.recorded_at", "future"),
    ("person.nickname", "JJ", "person.nickname", "not permitted"),
    ("person.given_name", "Jo\u202ehn", "person.given_name", "bidirectional control (U+202E"),
    ("person.given_name", "Jo\x00hn", "person.given_name", "control character (U+0000"),
    ("person.family_name", "\u200b\u200b", "person.family_name", "invisible characters"),
    ("person.family_name", "Smith\u2066", "person.family_name", "bidirectional"),
    ("encounter.place", "Corporation\nStreet", "encounter.place", "control character"),
    ("encounter.place", "\u200b\u00a0\u3000", "encounter.place", "invisible characters"),
    ("encounter.crime_reference", "CR/1\u200f/26", "encounter.crime_reference", "bidirectional"),
    ("encounter.area", "\ufeff", "encounter.area", "invisible characters"),
    ("substances.0.description", "white\x07powder", "substances.0.description", "control"),
    ("officer_id", "\u202e1234", "officer_id", "bidirectional"),
]


@pytest.mark.parametrize(("path", "value", "field", "says"), BAD_INPUT)
async def test_bad_input_names_the_field_and_changes_nothing(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    path: str,
    value: Any,
    field: str,
    says: str,
) -> None:
    if value == "FUTURE":
        value = _now(timedelta(hours=2))
    before = await counts(referral_database)
    response = await submit(client, auth(), _set(referral_body(), path, value))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert field in fields, fields
    assert says.lower() in fields[field].lower(), fields[field]
    assert await counts(referral_database) == before


async def test_an_ineligible_person_is_refused_with_reasons_and_nothing_stored(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    body = referral_body()
    body["answers"]["supply_indicators"] = True
    before = await counts(referral_database)
    response = await submit(client, auth(), body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:diversion:problem:not-eligible"
    assert problem["reasons"] == ["not eligible: indicators of supply"]
    assert problem["detail"] == "Not eligible: indicators of supply."
    assert await counts(referral_database) == before


async def test_wrong_content_type_and_oversized_bodies(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    headers = auth() | {"Idempotency-Key": str(uuid.uuid4())}
    as_form = await client.post(
        "/v1/referrals", content="person=x", headers=headers | {"content-type": "text/plain"}
    )
    assert as_form.status_code == 415
    assert as_form.headers["content-type"] == "application/problem+json"
    huge = referral_body(given_name="A" * 70_000)
    too_big = await client.post("/v1/referrals", json=huge, headers=headers)
    assert too_big.status_code == 413
    broken = await client.post(
        "/v1/referrals",
        content=b'{"person": ',
        headers=headers | {"content-type": "application/json"},
    )
    assert broken.status_code == 400
    assert await scalar(referral_database, "SELECT count(*) FROM referrals") == 0


async def test_parallel_retries_with_one_key_make_one_referral(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    import asyncio

    body, key = referral_body(), str(uuid.uuid4())
    responses = await asyncio.gather(*(submit(client, auth(), body, key) for _ in range(5)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await scalar(referral_database, "SELECT count(*) FROM referrals") == 1
    assert len(await outbox_events(referral_database, "referral.submitted.v1")) == 1


def test_references_are_read_out_easily_and_drawn_evenly() -> None:
    from types import SimpleNamespace

    from referral_api.referrals import service

    force: Any = SimpleNamespace(reference_prefix="DEMO")
    codes = [service.new_reference(force, datetime(2026, 11, 5, tzinfo=UTC)) for _ in range(6400)]
    assert all(code.startswith("DEMO-2611-") and len(code) == 16 for code in codes)
    letters = Counter("".join(code[-6:] for code in codes))
    assert set(letters) == set(service._REFERENCE_ALPHABET)  # no I, L, O or U to misread
    assert max(letters.values()) < 1.25 * min(letters.values())  # 1200 each, give or take


async def test_a_reference_already_taken_is_drawn_again(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from referral_api.referrals import service

    def bits_for(code: str) -> int:  # the random bits that spell `code`, 5 bits a letter
        return sum(service._REFERENCE_ALPHABET.index(c) << 5 * i for i, c in enumerate(code))

    drawn = iter([bits_for("AAAAAA"), bits_for("AAAAAA"), bits_for("BBBBBB")])
    monkeypatch.setattr(service.secrets, "randbits", lambda _k: next(drawn))
    first = await submit(client, auth())
    second = await submit(client, auth(), referral_body(given_name="Riley"))
    assert first.status_code == second.status_code == 201, second.text
    assert first.json()["reference"].endswith("-AAAAAA")
    assert second.json()["reference"].endswith("-BBBBBB")
    assert await scalar(referral_database, "SELECT count(*) FROM referrals") == 2
    assert len(await outbox_events(referral_database, "referral.submitted.v1")) == 2
