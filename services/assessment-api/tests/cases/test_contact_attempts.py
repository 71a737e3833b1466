"""Contact attempts: time, channel and result; the first that reaches the person marks the case
contacted and publishes case.contacted.v1 once; bad input changes nothing; retries are safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def attempt(desk: Desk, case_id: str, **body: object) -> object:
    return await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts", json=body, headers=desk.worker
    )


async def test_the_first_successful_contact_publishes_case_contacted_once(desk: Desk) -> None:
    case_id = await desk.new_case()
    now = datetime.now(UTC)
    first = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts",
        json={
            "channel": "phone",
            "result": "no_answer",
            "attempted_at": (now - timedelta(minutes=30)).isoformat(),
        },
        headers=desk.worker,
    )
    assert first.status_code == 201
    assert (first.json()["case_status"], first.json()["first_contact"]) == (
        "awaiting_contact",
        False,
    )
    assert await desk.events("case.contacted.v1") == []

    reached_at = now - timedelta(minutes=5)
    second = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts",
        json={"channel": "phone", "result": "answered", "attempted_at": reached_at.isoformat()},
        headers=desk.worker,
    )
    assert second.status_code == 201
    assert (second.json()["case_status"], second.json()["first_contact"]) == ("contacted", True)
    assert second.headers["location"] == f"/v1/cases/{case_id}"

    third = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts",
        json={"channel": "sms", "result": "replied"},
        headers=desk.worker,
    )
    assert third.json()["first_contact"] is False

    events = await desk.events("case.contacted.v1")
    assert len(events) == 1
    data = events[0].data
    assert (str(data.case_id), data.contacted_at, data.attempts) == (case_id, reached_at, 2)
    assert events[0].subject == str(data.referral_id)
    assert events[0].forceid == "demo"

    case = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    assert [a["result"] for a in case["contact_attempts"]] == ["no_answer", "answered", "replied"]
    assert case["first_contacted_at"] is not None
    assert case["attempts"] == 3


@pytest.mark.parametrize("result", ["declined", "callback_requested"])
async def test_reaching_the_person_counts_even_when_they_decline_or_ask_to_be_called_back(
    desk: Desk, result: str
) -> None:
    case_id = await desk.new_case()
    response = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts",
        json={"channel": "phone", "result": result},
        headers=desk.worker,
    )
    assert response.json()["case_status"] == "contacted"
    assert len(await desk.events("case.contacted.v1")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "phone", "result": "message_sent"}, "result"),
        ({"channel": "letter", "result": "voicemail"}, "result"),
        ({"channel": "pigeon", "result": "answered"}, "channel"),
        ({"channel": "phone", "result": "answered", "attempted_at": "2030-01-01T10:00:00Z"}, None),
        ({"channel": "phone", "result": "answered", "attempted_at": "2020-01-01T10:00:00Z"}, None),
        ({"channel": "phone", "result": "answered", "attempted_at": "2026-01-01T10:00:00"}, None),
        ({"channel": "phone", "result": "answered", "score": 3}, "score"),
        ({"channel": "phone", "result": "answered", "note": "x" * 2001}, "note"),
    ],
    ids=[
        "result-not-for-phone",
        "result-not-for-letter",
        "unknown-channel",
        "in-the-future",
        "before-the-referral",
        "no-time-zone",
        "unknown-field",
        "note-too-long",
    ],
)
async def test_bad_attempts_are_refused_naming_the_field_and_change_nothing(
    desk: Desk, body: dict[str, object], field: str | None
) -> None:
    case_id = await desk.new_case()
    response = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts", json=body, headers=desk.worker
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (field or "attempted_at") in [e["field"] for e in response.json()["errors"]]
    case = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    assert (case["status"], case["contact_attempts"]) == ("awaiting_contact", [])
    assert await desk.events() == []


async def test_a_retry_with_the_same_idempotency_key_records_one_attempt(desk: Desk) -> None:
    case_id = await desk.new_case()
    headers = {**desk.worker, "Idempotency-Key": "a6f1c3f2-attempt-1"}
    body = {"channel": "phone", "result": "answered"}
    first = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts", json=body, headers=headers
    )
    again = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts", json=body, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    case = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    assert len(case["contact_attempts"]) == 1
    assert len(await desk.events("case.contacted.v1")) == 1

    other = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts",
        json={"channel": "phone", "result": "voicemail"},
        headers=headers,
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"

    bad_key = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts",
        json=body,
        headers={**desk.worker, "Idempotency-Key": "no"},
    )
    assert bad_key.status_code == 400
    assert bad_key.json()["errors"][0]["field"] == "header.Idempotency-Key"


async def test_an_unknown_case_is_not_found(desk: Desk) -> None:
    response = await desk.client.post(
        "/v1/cases/6d1c8a52-0000-4000-8000-000000000000/contact-attempts",
        json={"channel": "phone", "result": "answered"},
        headers=desk.worker,
    )
    assert response.status_code == 404
    assert response.json()["type"] == "urn:diversion:problem:case-not-found"
