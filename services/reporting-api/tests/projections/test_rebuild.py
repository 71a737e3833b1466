"""Rebuilding from the streams: the same reports, byte for byte; the old generation answers until
the swap; events arriving meanwhile reach the new one; replaced facts go after a grace period."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import nats
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from contracts import CloudEvent
from contracts.vocabulary import ReferralOutcome
from reporting_api.main import create_app
from reporting_api.projections.models import Generation, GenerationState, ReferralFact
from reporting_api.projections.rebuild import FORGET_AFTER, Rebuilder
from reporting_api.synthetic.events import JourneyEvents
from servicekit import bus
from servicekit.db import utcnow
from servicekit_testing.nats import NatsServer

pytestmark = [pytest.mark.db, pytest.mark.nats]

DAY = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)
PERIOD = {"from": "2026-02-01", "to": "2026-02-28"}


def history(count: int, start: datetime = DAY) -> list[CloudEvent]:
    events: list[CloudEvent] = []
    for n in range(count):
        journey = JourneyEvents("demo", uuid.uuid4())
        at = start + timedelta(hours=n)
        journey.submitted(at, area=("north", "south")[n % 2])
        if n % 3:
            journey.contacted(at + timedelta(days=1))
        if n % 3 == 2:
            journey.assessed(at + timedelta(days=2))
            journey.closed(at + timedelta(days=20), ReferralOutcome.completed)
        events += journey.events
    return events


async def publish(url: str, events: list[CloudEvent]) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await bus.ensure_streams(js)
        for event in events:
            await js.publish(
                event.type, event.model_dump_json().encode(), headers={"Nats-Msg-Id": str(event.id)}
            )
    finally:
        await nc.close()


@pytest.fixture
async def live(reporting_settings, own_nats_server: NatsServer) -> AsyncIterator[FastAPI]:  # type: ignore[no-untyped-def]
    settings = reporting_settings.model_copy(update={"nats_url": own_nats_server.url})
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def live_client(live: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=live, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://reporting-api") as c:
        yield c


async def referrals_held(app: FastAPI, generation: int | None = None) -> int:
    async with app.state.runtime.db.session() as session:
        query = select(func.count()).select_from(ReferralFact)
        if generation is not None:
            query = query.where(ReferralFact.generation == generation)
        return int(await session.scalar(query) or 0)


async def until(condition, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def every_report(client: httpx.AsyncClient, headers: dict[str, str]) -> list[bytes]:
    bodies = []
    for report in ("summary", "funnel"):
        answer = await client.get(f"/v1/reports/{report}", params=PERIOD, headers=headers)
        assert answer.status_code == 200, answer.text
        bodies.append(answer.content)
        for table in answer.json()["tables"]:
            csv = await client.get(
                f"/v1/reports/{report}",
                params={**PERIOD, "table": table["id"]},
                headers={**headers, "Accept": "text/csv"},
            )
            bodies.append(csv.content)
    return bodies


async def rebuilt(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, object]:
    started = await client.post("/v1/admin/rebuild", headers=admin)
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    answer: dict[str, object] = {}

    async def finished() -> bool:
        nonlocal answer
        answer = (await client.get(location, headers=admin)).json()
        return answer["state"] != "building"

    await until(finished)
    return answer


async def test_a_rebuild_from_the_streams_gives_byte_identical_reports(
    live, live_client, auth, own_nats_server
) -> None:  # type: ignore[no-untyped-def]
    events = history(40)
    await publish(own_nats_server.url, events)

    async def consumed() -> bool:
        return await referrals_held(live) == 40

    await until(consumed)
    before = await every_report(live_client, auth())
    rebuild = await rebuilt(live_client, auth("admin"))
    assert rebuild["state"] == "active", rebuild
    assert rebuild["generation"] == 2
    assert rebuild["events_replayed"] == len(events)
    assert await every_report(live_client, auth()) == before


async def test_a_second_rebuild_while_one_runs_is_refused(live, live_client, auth) -> None:  # type: ignore[no-untyped-def]
    rebuilder = live.state.runtime.component(Rebuilder)
    async with live.state.runtime.db.session() as session:
        session.add(
            Generation(
                generation=2,
                state=GenerationState.building,
                requested_at=utcnow(),
                heartbeat_at=utcnow(),
                events_replayed=0,
            )
        )
        await session.commit()
    answer = await live_client.post("/v1/admin/rebuild", headers=auth("admin"))
    assert answer.status_code == 409
    assert "/v1/admin/rebuilds/2" in answer.json()["detail"]
    # gone quiet for longer than a rebuild may: the next request replaces it
    generation = await rebuilder.request(utcnow() + timedelta(minutes=3))
    assert generation.generation == 3
    await rebuilder.wait()
    async with live.state.runtime.db.session() as session:
        states = dict(
            (await session.execute(select(Generation.generation, Generation.state))).all()
        )
    assert states == {1: "retired", 2: "failed", 3: "active"}


async def test_reports_read_the_old_generation_until_the_swap_and_live_events_reach_both(
    live, live_client, auth, own_nats_server
) -> None:  # type: ignore[no-untyped-def]
    await publish(own_nats_server.url, history(6))

    async def six() -> bool:
        return await referrals_held(live) == 6

    await until(six)
    # a rebuild has begun (generation 2 is building) but has replayed nothing yet
    async with live.state.runtime.db.session() as session:
        session.add(
            Generation(
                generation=2,
                state=GenerationState.building,
                requested_at=utcnow(),
                heartbeat_at=utcnow(),
                events_replayed=0,
            )
        )
        await session.commit()
    await publish(own_nats_server.url, history(4, start=DAY + timedelta(days=7)))

    async def ten_in_the_active() -> bool:
        return await referrals_held(live, 1) == 10

    await until(ten_in_the_active)
    assert await referrals_held(live, 2) == 4  # what arrived while it was building
    summary = await live_client.get("/v1/reports/summary", params=PERIOD, headers=auth())
    assert summary.json()["tables"][0]["rows"][0]["referrals"] == 10  # still generation 1


async def test_replaced_facts_are_deleted_only_after_the_grace_period(
    live, live_client, auth, own_nats_server
) -> None:  # type: ignore[no-untyped-def]
    await publish(own_nats_server.url, history(5))

    async def five() -> bool:
        return await referrals_held(live) == 5

    await until(five)
    assert (await rebuilt(live_client, auth("admin")))["state"] == "active"
    rebuilder = live.state.runtime.component(Rebuilder)
    await rebuilder.forget_old()
    assert await referrals_held(live, 1) == 5  # a report may still be reading it
    await rebuilder.forget_old(utcnow() + FORGET_AFTER + timedelta(seconds=1))
    assert await referrals_held(live, 1) == 0
    assert await referrals_held(live, 2) == 5
