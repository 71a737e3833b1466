"""A referral made at the scene, assessed by the drug worker, is booked onto the earliest
suitable session through NATS, once; its withdrawal then cancels the booking and frees the seat."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
from nats.aio.client import Client

from assessment_api.assessments.schemas import example_assessment
from contracts import parse_event
from referral_api.referrals.schemas import example_referral
from servicekit import bus
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.nats import NatsServer

if TYPE_CHECKING:
    from conftest import Service

pytestmark = [pytest.mark.db, pytest.mark.nats]


async def eventually(
    check: Callable[[], Awaitable[Any]], *, what: str, within: float = 20.0
) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def settled(nc: Client, stream: str) -> bool:
    """scheduling-api's consumer of `stream` has nothing waiting and nothing unacknowledged."""
    info = await nc.jetstream().consumer_info(stream, "scheduling-api")
    return info.num_pending == 0 and info.num_ack_pending == 0


async def test_an_assessed_referral_is_booked_once_and_its_withdrawal_frees_the_seat(
    referral_service: Service,
    assessment_service: Service,
    scheduling_service: Service,
    nats_server: NatsServer,
    dev_idp: DevIdentityProvider,
) -> None:
    officer = {"Authorization": f"Bearer {dev_idp.token(role='officer', forces=['demo'])}"}
    worker = {"Authorization": f"Bearer {dev_idp.token(role='worker', forces=['demo'])}"}
    facilitator = {"Authorization": f"Bearer {dev_idp.token(role='facilitator', forces=['demo'])}"}

    submitted = await referral_service.client.post(
        "/v1/referrals",
        json=example_referral(),
        headers={**officer, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert submitted.status_code == 201, submitted.text
    referral = submitted.json()

    async def the_case() -> dict[str, Any] | None:
        queue = await assessment_service.client.get(
            "/v1/cases", params={"limit": 100}, headers=worker
        )
        return next((c for c in queue.json()["items"] if c["referral_id"] == referral["id"]), None)

    case = await eventually(the_case, what="the referral on the worker's queue")
    reached = await assessment_service.client.post(
        f"/v1/cases/{case['id']}/contact-attempts",
        json={"channel": "phone", "result": "answered"},
        headers=worker,
    )
    assert reached.status_code == 201, reached.text
    saved = await assessment_service.client.put(
        f"/v1/cases/{case['id']}/assessment", json=example_assessment(), headers=worker
    )
    assert saved.status_code == 200, saved.text
    completed = await assessment_service.client.post(
        f"/v1/cases/{case['id']}/assessment/completion", json={}, headers=worker
    )
    assert completed.status_code == 201, completed.text

    async def the_booking() -> dict[str, Any] | None:
        found = await scheduling_service.client.get(
            "/v1/bookings", params={"referral_id": referral["id"]}, headers=worker
        )
        items = found.json()["items"]
        return items[0] if items else None

    booking = await eventually(the_booking, what="the booking in scheduling-api")
    assert booking["status"] == "booked"
    assert booking["pathway"] == "cannabis_group"
    seat = (
        await scheduling_service.client.get(
            f"/v1/sessions/{booking['session_id']}", headers=facilitator
        )
    ).json()
    assert seat["booked"] == 1
    # the earliest cannabis group session at least the lead time (48 h) after the assessment
    sessions = (
        await scheduling_service.client.get(
            "/v1/sessions", params={"limit": 100}, headers=facilitator
        )
    ).json()["items"]
    starts = datetime.fromisoformat(seat["starts_at"])
    earlier = [
        s
        for s in sessions
        if s["pathway"] == "cannabis_group" and datetime.fromisoformat(s["starts_at"]) < starts
    ]
    assessed_at = datetime.fromisoformat(completed.json()["completed_at"])
    assert all((datetime.fromisoformat(s["starts_at"]) - assessed_at).days < 2 for s in earlier)

    nc = await bus.connect(nats_server.url, name="system-test")
    try:
        js = nc.jetstream()

        async def booked_event() -> Any:
            try:
                message = await js.get_last_msg("SCHEDULING", "session.booked.v1")
            except Exception:
                return None
            event = parse_event(message.data)
            return event if str(event.data.referral_id) == referral["id"] else None

        event = await eventually(booked_event, what="session.booked.v1 on the bus")
        assert str(event.data.booking_id) == booking["id"]
        assert str(event.data.session_id) == booking["session_id"]
        assert event.forceid == "demo"

        # the assessment again, under a new event id: nothing more is booked
        await eventually(lambda: settled(nc, "ASSESSMENT"), what="the consumer to settle")
        stored = await js.get_last_msg("ASSESSMENT", "assessment.completed.v1")
        renamed = parse_event(stored.data).model_copy(update={"id": uuid.uuid4()})
        await js.publish(
            "assessment.completed.v1",
            renamed.to_json(),
            headers={"Nats-Msg-Id": str(renamed.id)},
        )
        await asyncio.sleep(0.2)
        await eventually(lambda: settled(nc, "ASSESSMENT"), what="the replay to be consumed")
        again = await scheduling_service.client.get(
            "/v1/bookings", params={"referral_id": referral["id"]}, headers=worker
        )
        assert len(again.json()["items"]) == 1

        # The officer withdraws the referral: the booking is cancelled, the seat freed.
        withdrawn = await referral_service.client.post(
            f"/v1/referrals/{referral['id']}/withdrawal",
            json={"reason": "made_in_error"},
            headers=officer,
        )
        assert withdrawn.status_code == 200, withdrawn.text

        async def cancelled() -> bool:
            current = await the_booking()
            return current is not None and current["status"] == "cancelled"

        await eventually(cancelled, what="the booking to be cancelled on withdrawal")
        freed = (
            await scheduling_service.client.get(
                f"/v1/sessions/{booking['session_id']}", headers=facilitator
            )
        ).json()
        assert freed["booked"] == 0
    finally:
        await nc.close()
