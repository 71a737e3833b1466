"""A referral made at the scene, assessed by the drug worker, is booked onto the earliest
suitable session through NATS, once; its withdrawal then cancels the booking and frees the seat;
attending the session completes the intervention, announced on the bus once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from nats.js.api import DeliverPolicy
from sqlalchemy import update

from contracts import parse_event
from scheduling_api.sessions.models import Session
from servicekit import bus
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.nats import NatsServer

if TYPE_CHECKING:
    from conftest import Journey, Service

pytestmark = [pytest.mark.db, pytest.mark.nats]


async def test_an_assessed_referral_is_booked_once_and_its_withdrawal_frees_the_seat(
    journey: Journey,
    scheduling_service: Service,
    nats_server: NatsServer,
    dev_idp: DevIdentityProvider,
) -> None:
    eventually, worker = journey.eventually, journey.worker
    facilitator = {"Authorization": f"Bearer {dev_idp.token(role='facilitator', forces=['demo'])}"}

    referral = await journey.refer()
    case = await journey.case_of(referral["id"])
    await journey.reach(case["id"])
    completed = await journey.assess(case["id"])

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
    assessed_at = datetime.fromisoformat(completed["completed_at"])
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
        consumed = lambda: journey.settled(nc, "ASSESSMENT", "scheduling-api")  # noqa: E731
        await eventually(consumed, what="the consumer to settle")
        stored = await js.get_last_msg("ASSESSMENT", "assessment.completed.v1")
        renamed = parse_event(stored.data).model_copy(update={"id": uuid.uuid4()})
        await js.publish(
            "assessment.completed.v1",
            renamed.to_json(),
            headers={"Nats-Msg-Id": str(renamed.id)},
        )
        await asyncio.sleep(0.2)
        await eventually(consumed, what="the replay to be consumed")
        again = await scheduling_service.client.get(
            "/v1/bookings", params={"referral_id": referral["id"]}, headers=worker
        )
        assert len(again.json()["items"]) == 1

        # The officer withdraws the referral: the booking is cancelled, the seat freed.
        await journey.withdraw(referral["id"])

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


async def test_an_attended_session_completes_the_intervention_once_on_the_bus(
    journey: Journey,
    scheduling_service: Service,
    nats_server: NatsServer,
    dev_idp: DevIdentityProvider,
) -> None:
    eventually, worker = journey.eventually, journey.worker
    # the seeded sessions are all run by the demonstration facilitator
    facilitator = {
        "Authorization": "Bearer "
        + dev_idp.token(role="facilitator", forces=["demo"], subject="demo-facilitator-1")
    }
    referral = await journey.refer()
    case = await journey.case_of(referral["id"])
    await journey.reach(case["id"])
    await journey.assess(case["id"])

    async def the_booking() -> dict[str, Any] | None:
        found = await scheduling_service.client.get(
            "/v1/bookings", params={"referral_id": referral["id"]}, headers=worker
        )
        items = found.json()["items"]
        return items[0] if items else None

    booking = await eventually(the_booking, what="the booking in scheduling-api")
    # Two days pass (the force's lead time): the session starts. Time is the one thing the
    # public API cannot move, so the session's start is moved in its database instead.
    async with scheduling_service.app.state.runtime.db.session() as session:
        await session.execute(
            update(Session)
            .where(Session.id == uuid.UUID(booking["session_id"]))
            .values(starts_at=datetime.now(UTC) - timedelta(minutes=10))
        )
        await session.commit()

    marks = {"marks": [{"booking_id": booking["id"], "outcome": "attended"}]}
    for _ in range(2):  # the facilitator's second save of the same register changes nothing
        marked = await scheduling_service.client.post(
            f"/v1/sessions/{booking['session_id']}/attendance", json=marks, headers=facilitator
        )
        assert marked.status_code == 200, marked.text

    nc = await bus.connect(nats_server.url, name="system-test")
    try:
        js = nc.jetstream()

        async def completions() -> list[Any]:
            found = []
            consumer = await js.subscribe(
                "intervention.completed.v1", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
            )
            try:
                while True:
                    try:
                        message = await consumer.next_msg(timeout=0.5)
                    except TimeoutError:
                        return found
                    event = parse_event(message.data)
                    if str(event.data.referral_id) == referral["id"]:
                        found.append(event)
            finally:
                await consumer.unsubscribe()

        completed = await eventually(completions, what="intervention.completed.v1 on the bus")
        await asyncio.sleep(1.0)  # the relay has had time to publish anything more
        assert len(await completions()) == len(completed) == 1
        assert completed[0].data.course_type == "cannabis_group"
        assert completed[0].forceid == "demo"
    finally:
        await nc.close()
