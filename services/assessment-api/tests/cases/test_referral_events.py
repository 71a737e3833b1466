"""Referral events become cases: contact details opened and encrypted at rest, each referral
once however often its event arrives, withdrawal closing the case, unreadable events refused."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from contracts.sealed import generate_keypair
from servicekit.inbox import PermanentFailure

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_submitted_referral_becomes_a_case_on_the_queue_with_its_dates(desk: Desk) -> None:
    event = desk.referral(first_contact_hours=48, engagement_days=21)
    assert await desk.receive(event) == "applied"

    queue = (await desk.client.get("/v1/cases", headers=desk.worker)).json()["items"]
    assert [item["referral_id"] for item in queue] == [str(event.data.referral_id)]
    item = queue[0]
    assert item["status"] == "awaiting_contact"
    assert item["reference"] == event.data.reference
    assert when(item["first_contact_due"]) == event.data.first_contact_due
    assert when(item["engagement_deadline"]) == event.data.engagement_deadline
    assert item["due_at"] == item["first_contact_due"]
    assert (item["interpreter_needed"], item["preferred_language"]) == (True, "pl")
    assert "contact" not in item and "Jordan" not in str(item)

    case = (await desk.client.get(f"/v1/cases/{item['id']}", headers=desk.worker)).json()
    assert case["contact"] == {
        "given_name": "Jordan",
        "family_name": "Okafor-Whitby",
        "date_of_birth": "2001-07-19",
        "phone": "07700 900123",
        "email": "jordan.ow@example.org",
        "postcode": "B1 1AA",
        "preferred_language": "pl",
        "interpreter_needed": True,
        "easy_read": False,
    }


async def test_contact_details_are_encrypted_at_rest(desk: Desk) -> None:
    case_id = await desk.new_case()
    async with desk.runtime.db.engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT given_name, family_name, phone, email FROM cases WHERE id = :id"),
                {"id": case_id},
            )
        ).one()
    assert all(value.startswith("enc1.") for value in row)
    assert not any("Jordan" in value or "07700" in value for value in row)


async def test_reading_a_case_is_audited(desk: Desk) -> None:
    case_id = await desk.new_case()
    await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)
    entries = [e for e in await desk.audit_log() if e.resource_id == case_id]
    assert [(e.action, e.resource_type, e.actor, e.force_id) for e in entries] == [
        ("read", "case", "demo-worker-1", "demo")
    ]


async def test_replaying_the_same_event_creates_nothing_new(desk: Desk) -> None:
    event = desk.referral()
    assert await desk.receive(event) == "applied"
    assert await desk.receive(event) == "duplicate"
    # the same referral published again under a new event id (a replay from the start)
    again = event.model_copy(update={"id": uuid.uuid4()})
    assert await desk.receive(again) == "applied"

    queue = (await desk.client.get("/v1/cases", headers=desk.worker)).json()["items"]
    assert len(queue) == 1


async def test_withdrawal_closes_the_case_and_stops_work_on_it(desk: Desk) -> None:
    event = desk.referral()
    await desk.receive(event)
    case = await desk.case_of(event.data.referral_id)
    assert case is not None

    assert await desk.receive(desk.withdrawal(event.data.referral_id)) == "applied"

    closed = (await desk.client.get(f"/v1/cases/{case.id}", headers=desk.worker)).json()
    assert (closed["status"], closed["withdrawal_reason"]) == ("withdrawn", "made_in_error")
    assert closed["closed_at"] is not None
    assert (await desk.client.get("/v1/cases", headers=desk.worker)).json()["items"] == []
    attempt = await desk.client.post(
        f"/v1/cases/{case.id}/contact-attempts",
        json={"channel": "phone", "result": "answered"},
        headers=desk.worker,
    )
    assert attempt.status_code == 409
    withdrawn = await desk.client.get(
        "/v1/cases", params={"status": "withdrawn"}, headers=desk.worker
    )
    assert [c["id"] for c in withdrawn.json()["items"]] == [str(case.id)]


async def test_contact_details_sealed_to_another_key_are_refused_for_good(desk: Desk) -> None:
    _, stranger = generate_keypair()
    event = desk.referral(public_key=stranger)
    with pytest.raises(PermanentFailure, match="cannot be read"):
        await desk.receive(event)
    assert await desk.case_of(event.data.referral_id) is None


async def test_contact_details_sealed_to_an_unknown_key_id_are_refused(desk: Desk) -> None:
    event = desk.referral(kid="assessment-0")
    with pytest.raises(PermanentFailure, match="unknown key"):
        await desk.receive(event)
    assert await desk.case_of(event.data.referral_id) is None


async def test_a_withdrawal_for_a_referral_never_seen_is_kept_for_an_operator(desk: Desk) -> None:
    with pytest.raises(PermanentFailure, match="no case"):
        await desk.receive(desk.withdrawal(uuid.uuid4()))


async def test_events_sealed_before_a_key_rotation_still_open(
    desk: Desk, assessment_settings: object
) -> None:
    from assessment_api.main import create_app

    old_private, old_public = generate_keypair()
    new_private, new_public = generate_keypair()
    settings = assessment_settings.model_copy(  # type: ignore[attr-defined]
        update={
            "private_key": new_private,
            "key_id": "assessment-2",
            "retired_private_keys": {"assessment-1": old_private},
        }
    )
    rotated = create_app(settings, start_background=False)
    consumer = rotated.state.runtime.consumer
    handler = consumer.subscriptions[0].handlers["referral.submitted.v1"]
    try:
        before = desk.referral(public_key=old_public, kid="assessment-1")
        after = desk.referral(public_key=new_public, kid="assessment-2")
        for event in (before, after):
            assert await consumer.apply(event, handler, subject=event.type) == "applied"
    finally:
        await rotated.state.runtime.db.dispose()
    for event in (before, after):
        assert await desk.case_of(event.data.referral_id) is not None


async def test_a_case_keeps_the_referrals_first_contact_due(desk: Desk) -> None:
    event = desk.referral(first_contact_hours=72)
    await desk.receive(event)
    case = await desk.case_of(event.data.referral_id)
    assert case is not None
    assert case.first_contact_due - case.received_at == timedelta(hours=72)
