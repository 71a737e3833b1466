"""Referral events become cases: contact details opened and encrypted at rest, each referral
once however often its event arrives, withdrawal closing the case whichever arrives first,
unreadable events refused without a trace of the person."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text

from assessment_api.cases.sweep import NotEngagedSweep
from assessment_api.config import Settings
from contracts.sealed import generate_keypair, seal
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


async def test_contact_details_that_open_but_do_not_validate_leave_no_personal_data_behind(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    # the given name is missing and the date of birth has month 19
    unreadable = {
        "family_name": "Okafor-Whitby",
        "date_of_birth": "2001-19-07",
        "phone": "07700 900123",
        "email": "jordan.ow@example.org",
        "postcode": "B1 1AA",
    }
    event = desk.referral()
    sealed = seal(json.dumps(unreadable).encode(), public_key=desk.public_key, kid="assessment-1")
    event = event.model_copy(update={"data": event.data.model_copy(update={"contact": sealed})})

    with caplog.at_level(logging.DEBUG):
        assert await desk.deliver(event) == "dead_letter"

    [dead] = await desk.dead_letters()
    assert str(event.data.referral_id) in dead.error
    assert "given_name" in dead.error and "date_of_birth" in dead.error
    logged = [caplog.text, *(record.getMessage() for record in caplog.records)]
    assert any("date_of_birth" in line for line in logged)
    personal = ["Okafor", "Whitby", "2001-19-07", "07700", "jordan", "B1 1AA"]
    for kept in [dead.error, dead.payload, *logged]:
        assert not [value for value in personal if value in kept], kept
    assert await desk.case_of(event.data.referral_id) is None


async def sweep_long_after(desk: Desk) -> list[uuid.UUID]:
    """Run the not-engaged sweep as if every engagement window had passed."""
    sweep = NotEngagedSweep(desk.runtime.db, interval_seconds=60)
    return (await sweep.run_once(now=datetime.now(UTC) + timedelta(days=400))).closed


@pytest.mark.parametrize("withdrawal_first", [False, True], ids=["in-order", "withdrawal-first"])
async def test_a_withdrawn_referral_ends_withdrawn_whichever_event_arrives_first(
    desk: Desk, withdrawal_first: bool
) -> None:
    submitted = desk.referral(engagement_days=1)
    withdrawn = desk.withdrawal(submitted.data.referral_id)
    for event in [withdrawn, submitted] if withdrawal_first else [submitted, withdrawn]:
        assert await desk.deliver(event) == "applied"
    assert await desk.dead_letters() == []

    case = await desk.case_of(submitted.data.referral_id)
    assert case is not None
    assert (case.status, case.withdrawal_reason, case.closed_at) == (
        "withdrawn",
        "made_in_error",
        withdrawn.data.withdrawn_at,
    )
    assert (await desk.client.get("/v1/cases", headers=desk.worker)).json()["items"] == []
    attempt = await desk.client.post(
        f"/v1/cases/{case.id}/contact-attempts",
        json={"channel": "phone", "result": "answered"},
        headers=desk.worker,
    )
    assert attempt.status_code == 409

    # redelivered under new event ids, neither changes anything
    for event in (submitted, withdrawn):
        assert await desk.deliver(event.model_copy(update={"id": uuid.uuid4()})) == "applied"
    assert await sweep_long_after(desk) == []
    assert await desk.events() == []
    again = await desk.case_of(submitted.data.referral_id)
    assert again is not None
    assert (again.id, again.status, again.closed_at) == (case.id, "withdrawn", case.closed_at)


async def test_a_withdrawal_after_the_assessment_closes_the_case_keeping_the_assessment(
    desk: Desk,
) -> None:
    """The referral is still open while the person waits for their session: withdrawn there,
    the case must not stay `assessed` here (docs/decisions/0013-withdrawal-until-closed.md)."""
    from assessment_api.assessments.schemas import example_assessment

    case_id = await desk.contacted_case()
    await desk.save(case_id, example_assessment())
    assert (await desk.complete(case_id)).status_code == 201
    before = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    assert before["status"] == "assessed"
    published = await desk.events()

    withdrawn = desk.withdrawal(uuid.UUID(before["referral_id"]))
    assert await desk.deliver(withdrawn) == "applied"

    after = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    assert (after["status"], after["withdrawal_reason"]) == ("withdrawn", "made_in_error")
    assert when(after["closed_at"]) == withdrawn.data.withdrawn_at
    assert after["assessment"] == before["assessment"]
    # nothing more is published: the withdrawal is referral-api's to announce
    assert [e.id for e in await desk.events()] == [e.id for e in published]
    assert await desk.dead_letters() == []
    # and delivered again, it changes nothing more
    assert await desk.deliver(withdrawn) == "duplicate"
    again = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    assert again == after


async def test_a_withdrawal_after_the_case_did_not_engage_keeps_it_not_engaged(
    desk: Desk,
) -> None:
    event = desk.referral(engagement_days=1)
    await desk.receive(event)
    [closed] = await sweep_long_after(desk)
    before = (await desk.client.get(f"/v1/cases/{closed}", headers=desk.worker)).json()
    [not_engaged] = await desk.events("case.not_engaged.v1")

    assert await desk.deliver(desk.withdrawal(event.data.referral_id)) == "applied"

    after = (await desk.client.get(f"/v1/cases/{closed}", headers=desk.worker)).json()
    assert (after["status"], after["closed_at"], after["withdrawal_reason"]) == (
        "not_engaged",
        before["closed_at"],
        None,
    )
    assert [e.id for e in await desk.events()] == [not_engaged.id]


async def test_a_withdrawal_and_its_referral_handled_at_once_leave_the_case_withdrawn(
    desk: Desk, assessment_settings: Settings
) -> None:
    """Two instances: the submission starts while the withdrawal's transaction is still open."""
    if not assessment_settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite serves one process, whose one connection runs one transaction")
    from assessment_api.main import create_runtime

    submitted = desk.referral()
    withdrawn = desk.withdrawal(submitted.data.referral_id)
    one, two = create_runtime(assessment_settings), create_runtime(assessment_settings)
    withdrawing, release = asyncio.Event(), asyncio.Event()
    handlers = one.consumer.subscriptions[0].handlers

    async def withdraw_and_linger(session: Any, event: Any) -> None:
        await handlers[withdrawn.type](session, event)
        withdrawing.set()
        await release.wait()

    async def submit_on_the_other_instance() -> str:
        await withdrawing.wait()
        handler = two.consumer.subscriptions[0].handlers[submitted.type]
        return await two.consumer.apply(submitted, handler, subject=submitted.type)

    try:
        first = asyncio.create_task(
            one.consumer.apply(withdrawn, withdraw_and_linger, subject=withdrawn.type)
        )
        second = asyncio.create_task(submit_on_the_other_instance())
        await withdrawing.wait()
        await asyncio.sleep(0.5)  # time enough for the submission to commit, if it could
        release.set()
        assert await asyncio.wait_for(asyncio.gather(first, second), 10) == ["applied"] * 2
    finally:
        await one.db.dispose()
        await two.db.dispose()
    case = await desk.case_of(submitted.data.referral_id)
    assert case is not None and case.status == "withdrawn"


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
