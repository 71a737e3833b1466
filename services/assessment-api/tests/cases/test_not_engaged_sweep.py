"""The not-engaged sweep: driven by a controlled clock, run by two instances at once, and started
with the app."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

from assessment_api.cases.sweep import NotEngagedSweep
from assessment_api.config import Settings
from assessment_api.db import kit
from assessment_api.main import create_app, create_runtime

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db

NOW = datetime.now(UTC)


def sweep_of(desk: Desk, **kw: Any) -> NotEngagedSweep:
    return NotEngagedSweep(desk.runtime.db, interval_seconds=60, **kw)


async def status_of(desk: Desk, case_id: str) -> str:
    response = await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)
    status: str = response.json()["status"]
    return status


async def test_nothing_closes_before_the_engagement_deadline(desk: Desk) -> None:
    submitted = NOW - timedelta(days=27)
    case_id = await desk.new_case(submitted_at=submitted, engagement_days=28)
    deadline = submitted + timedelta(days=28)

    result = await sweep_of(desk).run_once(now=deadline - timedelta(seconds=1))
    assert (result.found, result.closed) == (0, [])
    assert await status_of(desk, case_id) == "awaiting_contact"
    assert await desk.events("case.not_engaged.v1") == []

    result = await sweep_of(desk).run_once(now=deadline)
    assert [str(c) for c in result.closed] == [case_id]
    assert await status_of(desk, case_id) == "not_engaged"
    [event] = await desk.events("case.not_engaged.v1")
    assert (str(event.data.case_id), event.data.stage_reached, event.data.at) == (
        case_id,
        "not_contacted",
        deadline,
    )
    assert event.data.attempts == 0


async def test_a_contacted_case_not_assessed_in_time_records_how_far_it_got(desk: Desk) -> None:
    case_id = await desk.new_case(submitted_at=NOW - timedelta(days=3), engagement_days=28)
    await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts",
        json={"channel": "phone", "result": "no_answer"},
        headers=desk.worker,
    )
    await desk.reach(case_id)
    await sweep_of(desk).run_once(now=NOW + timedelta(days=26))
    [event] = await desk.events("case.not_engaged.v1")
    assert (event.data.stage_reached, event.data.attempts) == ("contacted", 2)
    closed = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    assert closed["closed_at"] is not None
    late = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts",
        json={"channel": "phone", "result": "answered"},
        headers=desk.worker,
    )
    assert late.status_code == 409


async def test_assessed_and_withdrawn_cases_are_left_alone_and_a_second_sweep_adds_nothing(
    desk: Desk,
) -> None:
    from assessment_api.assessments.schemas import example_assessment

    assessed = await desk.contacted_case(engagement_days=1)
    await desk.save(assessed, example_assessment())
    assert (await desk.complete(assessed)).status_code == 201
    event = desk.referral(engagement_days=1)
    await desk.receive(event)
    await desk.receive(desk.withdrawal(event.data.referral_id))
    lapsed = await desk.new_case(engagement_days=1)

    later = NOW + timedelta(days=2)
    first = await sweep_of(desk).run_once(now=later)
    second = await sweep_of(desk).run_once(now=later + timedelta(hours=1))
    assert [str(c) for c in first.closed] == [lapsed]
    assert second.closed == []
    assert await status_of(desk, assessed) == "assessed"
    assert len(await desk.events("case.not_engaged.v1")) == 1


async def outbox_count_per_case(desk: Desk) -> dict[str, int]:
    async with desk.runtime.db.session() as session:
        payloads = (
            await session.scalars(
                select(kit.outbox.c.payload).where(kit.outbox.c.subject == "case.not_engaged.v1")
            )
        ).all()
    counts: dict[str, int] = {}
    for payload in payloads:
        from contracts import parse_event

        case_id = str(parse_event(payload).data.case_id)
        counts[case_id] = counts.get(case_id, 0) + 1
    return counts


async def test_two_sweepers_on_the_same_database_close_each_case_exactly_once(
    desk: Desk, assessment_settings: Settings
) -> None:
    cases = [await desk.new_case(engagement_days=1) for _ in range(12)]
    for case_id in cases[::3]:
        await desk.reach(case_id)
    later = NOW + timedelta(days=2)
    one, two = create_runtime(assessment_settings), create_runtime(assessment_settings)
    try:
        first, second = one.component(NotEngagedSweep), two.component(NotEngagedSweep)
        # Both see every case before either closes one, then race to close them all.
        seen = await asyncio.gather(first.due(later), second.due(later))
        assert len(seen[0]) == len(seen[1]) == 12
        closed = await asyncio.gather(first.close(seen[0], later), second.close(seen[1], later))
        assert sorted(str(c) for c in closed[0] + closed[1]) == sorted(cases)
        # and two whole runs at once find nothing left to do
        again = await asyncio.gather(first.run_once(later), second.run_once(later))
        assert again[0].closed == again[1].closed == []
    finally:
        await one.db.dispose()
        await two.db.dispose()
    assert await outbox_count_per_case(desk) == dict.fromkeys(cases, 1)
    stages = {
        str(e.data.case_id): e.data.stage_reached
        for e in await desk.events()
        if e.type == "case.not_engaged.v1"
    }
    assert {c for c, s in stages.items() if s == "contacted"} == set(cases[::3])


async def test_two_whole_sweeps_racing_publish_one_event_per_case(
    desk: Desk, assessment_settings: Settings
) -> None:
    cases = [await desk.new_case(engagement_days=1) for _ in range(10)]
    later = NOW + timedelta(days=2)
    one, two = create_runtime(assessment_settings), create_runtime(assessment_settings)
    try:
        results = await asyncio.gather(
            one.component(NotEngagedSweep).run_once(later),
            two.component(NotEngagedSweep).run_once(later),
        )
    finally:
        await one.db.dispose()
        await two.db.dispose()
    assert len(results[0].closed) + len(results[1].closed) == len(cases)
    assert await outbox_count_per_case(desk) == dict.fromkeys(cases, 1)


async def test_the_sweep_runs_in_the_background_with_the_app(
    desk: Desk, assessment_settings: Settings
) -> None:
    lapsed = await desk.new_case(submitted_at=NOW - timedelta(days=30), engagement_days=28)
    current = await desk.new_case()
    settings = assessment_settings.model_copy(update={"not_engaged_sweep_seconds": 0.05})
    background = create_app(settings, start_background=True)
    runtime = background.state.runtime
    await runtime.start()
    try:
        for _ in range(100):
            if await desk.events("case.not_engaged.v1"):
                break
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    assert await status_of(desk, lapsed) == "not_engaged"
    assert await status_of(desk, current) == "awaiting_contact"
    async with desk.runtime.db.session() as session:
        total = await session.scalar(select(func.count()).select_from(kit.outbox))
    assert total == 1
