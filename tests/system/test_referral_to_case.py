"""A referral made at the scene reaches the drug worker's queue through NATS, exactly once, and
its withdrawal closes the case; the worker's first contact flows back out as an event."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest
from nats.aio.client import Client
from sqlalchemy import func, select

from assessment_api.cases.models import Case
from assessment_api.db import kit as assessment_kit
from contracts import parse_event
from referral_api.referrals.schemas import example_referral
from servicekit import bus
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.nats import NatsServer

if TYPE_CHECKING:
    from conftest import Service

pytestmark = [pytest.mark.db, pytest.mark.nats]


async def eventually(
    check: Callable[[], Awaitable[Any]], *, what: str, within: float = 15.0
) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def settled(nc: Client) -> bool:
    """assessment-api's consumer has nothing waiting and nothing unacknowledged."""
    info = await nc.jetstream().consumer_info("REFERRAL", "assessment-api")
    return info.num_pending == 0 and info.num_ack_pending == 0


async def count(service: Service, *what: Any) -> int:
    async with service.app.state.runtime.db.session() as session:
        return int(
            await session.scalar(select(func.count()).select_from(*what[:1]).where(*what[1:]))
        )


async def test_a_referral_becomes_a_case_once_and_its_withdrawal_closes_it(
    referral_service: Service,
    assessment_service: Service,
    nats_server: NatsServer,
    dev_idp: DevIdentityProvider,
) -> None:
    officer = {"Authorization": f"Bearer {dev_idp.token(role='officer', forces=['demo'])}"}
    worker = {"Authorization": f"Bearer {dev_idp.token(role='worker', forces=['demo'])}"}

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
    assert case["reference"] == referral["reference"]
    detail = (await assessment_service.client.get(f"/v1/cases/{case['id']}", headers=worker)).json()
    assert (detail["contact"]["given_name"], detail["contact"]["phone"]) == (
        "Jordan",
        "07700 900123",
    )

    nc = await bus.connect(nats_server.url, name="system-test")
    try:
        js = nc.jetstream()
        await eventually(lambda: settled(nc), what="the consumer to settle")
        cases_before = await count(assessment_service, Case)
        inbox_before = await count(assessment_service, assessment_kit.inbox)

        # Replay the very message (past JetStream's duplicate window, under a new message id),
        # then the same referral under a new event id, as a replay from the stream's start would.
        stored = await js.get_last_msg("REFERRAL", "referral.submitted.v1")
        original = parse_event(stored.data)
        assert str(original.data.referral_id) == referral["id"]
        await js.publish(
            "referral.submitted.v1", stored.data, headers={"Nats-Msg-Id": str(uuid.uuid4())}
        )
        renamed = original.model_copy(update={"id": uuid.uuid4()})
        await js.publish(
            "referral.submitted.v1", renamed.to_json(), headers={"Nats-Msg-Id": str(renamed.id)}
        )
        await asyncio.sleep(0.2)
        await eventually(lambda: settled(nc), what="the replays to be consumed")
        assert await count(assessment_service, Case) == cases_before
        assert (
            await count(assessment_service, Case, Case.referral_id == uuid.UUID(referral["id"]))
            == 1
        )
        # the replayed message was a duplicate; the renamed event was recorded, and did nothing
        assert await count(assessment_service, assessment_kit.inbox) == inbox_before + 1
        assert await count(assessment_service, assessment_kit.dead_letters) == 0

        # The worker reaches the person: case.contacted.v1 goes out on the ASSESSMENT stream.
        reached = await assessment_service.client.post(
            f"/v1/cases/{case['id']}/contact-attempts",
            json={"channel": "phone", "result": "answered"},
            headers=worker,
        )
        assert reached.status_code == 201

        async def contacted_event() -> Any:
            try:
                message = await js.get_last_msg("ASSESSMENT", "case.contacted.v1")
            except Exception:
                return None
            event = parse_event(message.data)
            return event if str(event.data.referral_id) == referral["id"] else None

        event = await eventually(contacted_event, what="case.contacted.v1 on the bus")
        assert (str(event.data.case_id), event.data.attempts) == (case["id"], 1)

        # The officer withdraws the referral made in error: the case closes.
        withdrawn = await referral_service.client.post(
            f"/v1/referrals/{referral['id']}/withdrawal",
            json={"reason": "made_in_error"},
            headers=officer,
        )
        assert withdrawn.status_code == 200, withdrawn.text

        async def closed() -> bool:
            response = await assessment_service.client.get(
                f"/v1/cases/{case['id']}", headers=worker
            )
            return bool(response.json()["status"] == "withdrawn")

        await eventually(closed, what="the case to close on withdrawal")
        after = (
            await assessment_service.client.get(f"/v1/cases/{case['id']}", headers=worker)
        ).json()
        assert after["withdrawal_reason"] == "made_in_error"
        assert await the_case() is None  # off the open queue
    finally:
        await nc.close()
