"""The loop closed, through a real NATS server: referral-api follows the drug service's events
to the end of each referral. Completed: a referral made by the force's system by machine, every
step on the officer's referral, one `referral.closed.v1`, the outcome at the force's webhook
receiver with a signature that verifies, and no withdrawal after it. Withdrawn midway: every
service ends it the same way. Never answered the phone: closed as not engaged, and the person
refused at the next eligibility check until the bar expires, accepted after."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from nats.aio.client import Client
from nats.js.api import DeliverPolicy
from sqlalchemy import update
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from assessment_api.cases.sweep import NotEngagedSweep
from contracts import parse_event
from referral_api.dependencies import current_time
from referral_api.eligibility.schemas import example_eligibility_check
from referral_api.outcomes.service import add_months
from referral_api.referrals.schemas import example_referral
from scheduling_api.sessions.models import Session
from servicekit import bus
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.nats import NatsServer
from servicekit_testing.server import serving

if TYPE_CHECKING:
    from conftest import Journey, Service

pytestmark = [pytest.mark.db, pytest.mark.nats]


@dataclass
class WebhookReceiver:
    """A force system's webhook endpoint over real HTTP: it keeps each message, verified as the
    integration guide says (`standardwebhooks`), and answers 204."""

    secret: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        try:
            Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        self.received.append({"payload": json.loads(body), "verified": verified})
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def messages_for(self, referral_id: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m["payload"]["data"]["referral_id"] == referral_id]


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[Client]:
    client = await bus.connect(nats_server.url, name="system-test")
    yield client
    await client.close()


async def closed_events(nc: Client, referral_id: str) -> list[Any]:
    """Every `referral.closed.v1` of the referral on the bus so far."""
    found = []
    consumer = await nc.jetstream().subscribe(
        "referral.closed.v1", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
    )
    try:
        while True:
            try:
                message = await consumer.next_msg(timeout=0.5)
            except TimeoutError:
                return found
            event = parse_event(message.data)
            if str(event.data.referral_id) == referral_id:
                found.append(event)
    finally:
        await consumer.unsubscribe()


async def referral_as_officer(journey: Journey, referral_id: str) -> dict[str, Any]:
    got = await journey.referrals.client.get(
        f"/v1/referrals/{referral_id}", headers=journey.officer
    )
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


async def status_reaches(journey: Journey, referral_id: str, status: str) -> dict[str, Any]:
    """The referral once it reads `status` with every step before it on its timeline (the
    events of two streams may arrive in either order)."""
    before = {
        "contacted": ["submitted", "contacted"],
        "booked": ["submitted", "contacted", "assessed", "booked"],
    }.get(status)

    async def reached() -> dict[str, Any] | None:
        body = await referral_as_officer(journey, referral_id)
        steps = [step["status"] for step in body["timeline"]]
        done = body["status"] == status and (before is None or steps == before)
        return body if done else None

    found: dict[str, Any] = await journey.eventually(
        reached, what=f"the referral to read {status} in referral-api"
    )
    return found


async def booking_of(journey: Journey, scheduling: Service, referral_id: str) -> Any:
    async def the_booking() -> dict[str, Any] | None:
        found = await scheduling.client.get(
            "/v1/bookings", params={"referral_id": referral_id}, headers=journey.worker
        )
        items = found.json()["items"]
        return items[0] if items else None

    return await journey.eventually(the_booking, what="the booking in scheduling-api")


async def test_a_completed_referral_shows_every_step_closes_once_and_cannot_be_withdrawn(
    journey: Journey,
    scheduling_service: Service,
    dev_idp: DevIdentityProvider,
    nc: Client,
) -> None:
    facilitator = {
        "Authorization": "Bearer "
        + dev_idp.token(role="facilitator", forces=["demo"], subject="demo-facilitator-1")
    }
    # the force's records system takes outcomes by webhook, and makes the referral by machine
    receiver = WebhookReceiver()
    admin = {"Authorization": f"Bearer {dev_idp.token(role='admin', forces=['demo'])}"}
    async with serving(receiver) as receiver_url:
        registered = await journey.referrals.client.post(
            "/v1/webhooks",
            json={"force": "demo", "url": receiver_url, "description": "Records management"},
            headers=admin,
        )
        assert registered.status_code == 201, registered.text
        receiver.secret = registered.json()["secret"]
        referral = await journey.refer_as_force_system(dev_idp)
        await complete(journey, scheduling_service, facilitator, nc, referral)

        delivered = await journey.eventually(
            lambda: receiver.messages_for(referral["id"]), what="the outcome at the webhook"
        )
    [message] = delivered
    assert message["verified"], "the webhook's signature did not verify"
    assert message["payload"]["type"] == "referral.closed"
    assert message["payload"]["data"]["outcome"] == "completed"
    assert message["payload"]["data"]["reference"] == referral["reference"]


async def complete(
    journey: Journey,
    scheduling_service: Service,
    facilitator: dict[str, str],
    nc: Client,
    referral: dict[str, Any],
) -> None:
    """The referral assessed, booked, attended and completed, checked at every step."""
    case = await journey.case_of(referral["id"])
    await journey.reach(case["id"])
    await status_reaches(journey, referral["id"], "contacted")
    await journey.assess(case["id"])
    booking = await booking_of(journey, scheduling_service, referral["id"])
    await status_reaches(journey, referral["id"], "booked")

    # the session starts (moved in its database: time is the one thing the API cannot move)
    async with scheduling_service.app.state.runtime.db.session() as session:
        await session.execute(
            update(Session)
            .where(Session.id == uuid.UUID(booking["session_id"]))
            .values(starts_at=datetime.now(UTC) - timedelta(minutes=10))
        )
        await session.commit()
    marked = await scheduling_service.client.post(
        f"/v1/sessions/{booking['session_id']}/attendance",
        json={"marks": [{"booking_id": booking["id"], "outcome": "attended"}]},
        headers=facilitator,
    )
    assert marked.status_code == 200, marked.text

    done = await status_reaches(journey, referral["id"], "completed")
    assert done["outcome"] == "completed" and done["engagement"] == "completed"
    assert [step["status"] for step in done["timeline"]] == [
        "submitted",
        "contacted",
        "assessed",
        "booked",
        "completed",
    ]
    times = [datetime.fromisoformat(step["at"]) for step in done["timeline"]]
    assert times == sorted(times)
    assert done["timeline"][-1]["at"] == done["closed_at"]
    assert "pathway" not in str(done)  # the police see the steps, not the assessment

    closed = await journey.eventually(
        lambda: closed_events(nc, referral["id"]), what="referral.closed.v1 on the bus"
    )
    assert [e.data.outcome for e in closed] == ["completed"]
    assert closed[0].data.suggested_outcome_code == referral["suggested_outcome_code"]
    assert closed[0].data.bar_expires_at is None

    refused = await journey.referrals.client.post(
        f"/v1/referrals/{referral['id']}/withdrawal",
        json={"reason": "made_in_error"},
        headers=journey.officer,
    )
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("The person completed the intervention")

    for durable in (("ASSESSMENT", "referral-api"), ("SCHEDULING", "referral-api")):
        await journey.eventually(lambda d=durable: journey.settled(nc, *d), what="referral-api")
    assert len(await closed_events(nc, referral["id"])) == 1


async def test_a_referral_withdrawn_after_booking_ends_withdrawn_in_every_service(
    journey: Journey, scheduling_service: Service, nc: Client
) -> None:
    referral = await journey.refer()
    case = await journey.case_of(referral["id"])
    await journey.reach(case["id"])
    await journey.assess(case["id"])
    booking = await booking_of(journey, scheduling_service, referral["id"])
    await status_reaches(journey, referral["id"], "booked")

    await journey.withdraw(referral["id"])

    withdrawn = await referral_as_officer(journey, referral["id"])
    assert withdrawn["status"] == "withdrawn" and withdrawn["outcome"] == "withdrawn"
    assert [s["status"] for s in withdrawn["timeline"]] == [
        "submitted",
        "contacted",
        "assessed",
        "booked",
        "withdrawn",
    ]

    async def case_withdrawn() -> bool:
        got = await journey.assessments.client.get(
            f"/v1/cases/{case['id']}", headers=journey.worker
        )
        return bool(got.json()["status"] == "withdrawn")

    await journey.eventually(case_withdrawn, what="the assessed case to close as withdrawn")

    async def booking_cancelled() -> bool:
        got = await scheduling_service.client.get(
            f"/v1/bookings/{booking['id']}", headers=journey.worker
        )
        return bool(got.json()["status"] == "cancelled")

    await journey.eventually(booking_cancelled, what="the booking to be cancelled")

    closed = await journey.eventually(
        lambda: closed_events(nc, referral["id"]), what="referral.closed.v1 on the bus"
    )
    assert [e.data.outcome for e in closed] == ["withdrawn"]


async def test_a_person_who_never_answers_is_barred_until_the_bar_expires(
    journey: Journey, assessment_service: Service, nc: Client
) -> None:
    referral = await journey.refer()
    await journey.case_of(referral["id"])
    # the force's engagement window passes with no answer: the sweep, on a clock a day past
    # the deadline, closes the case and publishes case.not_engaged.v1
    deadline = datetime.fromisoformat(referral["engagement_deadline"])
    swept_at = deadline + timedelta(days=1)
    sweep = assessment_service.app.state.runtime.component(NotEngagedSweep)
    result = await sweep.run_once(now=swept_at)
    assert len(result.closed) == 1

    closed = await status_reaches(journey, referral["id"], "not_engaged")
    assert closed["outcome"] == "not_engaged" and closed["engagement"] == "did not engage"
    assert [s["status"] for s in closed["timeline"]] == ["submitted", "not_engaged"]
    assert datetime.fromisoformat(closed["closed_at"]) == swept_at
    [event] = await journey.eventually(
        lambda: closed_events(nc, referral["id"]), what="referral.closed.v1 on the bus"
    )
    expires = add_months(swept_at, 12)  # the demonstration force bars for 12 months
    assert event.data.outcome == "not_engaged" and event.data.bar_expires_at == expires

    referrals = journey.referrals

    async def check_at(moment: datetime | None) -> dict[str, Any]:
        if moment is None:
            referrals.app.dependency_overrides.pop(current_time, None)
        else:

            async def standing() -> datetime:
                return moment

            referrals.app.dependency_overrides[current_time] = standing
        checked = await referrals.client.post(
            "/v1/eligibility-checks", json=example_eligibility_check(), headers=journey.officer
        )
        assert checked.status_code == 200, checked.text
        body: dict[str, Any] = checked.json()
        return body

    try:
        today = await check_at(None)
        assert today["eligible"] is False and today["not_before"]
        day_before = await check_at(expires - timedelta(days=1))
        assert day_before["eligible"] is False
        assert day_before["not_before"] == today["not_before"]
        day_after = await check_at(expires + timedelta(days=1))
        assert day_after["eligible"] is True and day_after["not_before"] is None
    finally:
        referrals.app.dependency_overrides.pop(current_time, None)

    # and a referral today is refused with the same date
    again = await referrals.client.post(
        "/v1/referrals",
        json=example_referral(),
        headers={**journey.officer, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert again.status_code == 422 and again.json()["not_before"] == today["not_before"]
