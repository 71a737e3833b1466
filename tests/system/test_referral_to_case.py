"""A referral made at the scene reaches the drug worker's queue through NATS, exactly once, and
its withdrawal closes the case; the worker's first contact flows back out as an event."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

from assessment_api.cases.models import Case
from assessment_api.db import kit as assessment_kit
from contracts import parse_event
from servicekit import bus
from servicekit_testing.nats import NatsServer

if TYPE_CHECKING:
    from conftest import Journey, Service

pytestmark = [pytest.mark.db, pytest.mark.nats]


async def count(service: Service, *what: Any) -> int:
    async with service.app.state.runtime.db.session() as session:
        return int(
            await session.scalar(select(func.count()).select_from(*what[:1]).where(*what[1:]))
        )


async def test_a_referral_becomes_a_case_once_and_its_withdrawal_closes_it(
    journey: Journey,
    assessment_service: Service,
    nats_server: NatsServer,
) -> None:
    eventually, worker = journey.eventually, journey.worker
    referral = await journey.refer()
    case = await journey.case_of(referral["id"])
    assert case["reference"] == referral["reference"]
    detail = (await assessment_service.client.get(f"/v1/cases/{case['id']}", headers=worker)).json()
    assert (detail["contact"]["given_name"], detail["contact"]["phone"]) == (
        "Jordan",
        "07700 900123",
    )

    nc = await bus.connect(nats_server.url, name="system-test")
    try:
        js = nc.jetstream()
        consumed = lambda: journey.settled(nc, "REFERRAL", "assessment-api")  # noqa: E731
        await eventually(consumed, what="the consumer to settle")
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
        await eventually(consumed, what="the replays to be consumed")
        assert await count(assessment_service, Case) == cases_before
        assert (
            await count(assessment_service, Case, Case.referral_id == uuid.UUID(referral["id"]))
            == 1
        )
        # the replayed message was a duplicate; the renamed event was recorded, and did nothing
        assert await count(assessment_service, assessment_kit.inbox) == inbox_before + 1
        assert await count(assessment_service, assessment_kit.dead_letters) == 0

        # The worker reaches the person: case.contacted.v1 goes out on the ASSESSMENT stream.
        await journey.reach(case["id"])

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
        await journey.withdraw(referral["id"])

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
        assert await journey.open_case(referral["id"]) is None  # off the open queue
    finally:
        await nc.close()
