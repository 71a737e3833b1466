"""GET /v1/capacity reads the figures the planner needs: the force's target, the people assessed
in each of the last eight complete weeks, the waiting list and the seats before the target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import update

from contracts.vocabulary import Pathway
from scheduling_api.capacity.planner import complete_weeks
from scheduling_api.courses.models import ForceSettings
from scheduling_api.times import LONDON

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def test_demand_beyond_the_seats_proposes_sessions_before_the_target(desk: Desk) -> None:
    cannabis = await desk.course()
    full = await desk.session(cannabis, in_days=3, capacity=2)
    # three weeks ago, two people were assessed in one week and one in the next; all three
    # were allocated the cannabis course (two take the seats, one waits)
    mondays = complete_weeks(datetime.now(UTC))
    for monday, people in ((mondays[5], 2), (mondays[6], 1)):
        noon = datetime.combine(monday, datetime.min.time(), LONDON) + timedelta(hours=12)
        for _ in range(people):
            await desk.assessed(completed_at=noon.astimezone(UTC))

    response = await desk.client.get("/v1/capacity", headers=desk.facilitator)
    assert response.status_code == 200, response.text
    (course,) = response.json()["courses"]
    assert [w["people"] for w in course["weekly_demand"]] == [0, 0, 0, 0, 0, 2, 1, 0]
    assert course["weekly_demand"][0]["week_starting"] == mondays[0].isoformat()
    assert course["mean_weekly_demand"] == 0.38  # 3 / 8
    assert course["target_wait_days"] == 14  # no settings row: the default
    assert course["waiting"] == 1
    assert course["over_target"] is True  # no seat free at all
    assert course["free_seats_before_target"] == 0
    # needed = 1 + 3/8 x 14/7 - 0 = 1.75; one session of the usual 2 seats
    assert course["seats_needed"] == 1.75
    assert course["usual_capacity"] == full["capacity"] == 2
    assert course["proposed_sessions"] == 1
    (start,) = course["suggested_starts"]
    assert datetime.fromisoformat(start) < datetime.now(UTC) + timedelta(days=14)
    assert start[11:16] == full["starts_at"][11:16]  # at the course's usual London time


async def test_the_forces_own_target_is_used(desk: Desk) -> None:
    cannabis = await desk.course()
    await desk.session(cannabis, in_days=9, capacity=5)
    async with desk.runtime.db.session() as session:
        session.add(
            ForceSettings(
                force_id="demo",
                lead_time_hours=48,
                rebooking_limit=2,
                engagement_days=56,
                target_wait_days=7,
                updated_at=datetime.now(UTC),
            )
        )
        await session.commit()
    response = await desk.client.get("/v1/capacity", headers=desk.admin)
    (course,) = response.json()["courses"]
    assert course["target_wait_days"] == 7
    assert course["over_target"] is True  # the next free seat is 9 days away
    assert course["free_seats_before_target"] == 0
    assert course["proposed_sessions"] == 0  # nobody waits, nobody came: nothing to add

    async with desk.runtime.db.session() as session:
        await session.execute(update(ForceSettings).values(target_wait_days=10))
        await session.commit()
    again = (await desk.client.get("/v1/capacity", headers=desk.admin)).json()["courses"][0]
    assert again["over_target"] is False
    assert again["free_seats_before_target"] == 5


async def test_small_numbers_are_not_suppressed(desk: Desk) -> None:
    # seats and weekly counts describe the timetable, not a person: one waiting shows as 1
    await desk.course(Pathway.cocaine_group)
    await desk.assessed(pathway=Pathway.cocaine_group)
    (course,) = (await desk.client.get("/v1/capacity", headers=desk.admin)).json()["courses"]
    assert course["waiting"] == 1
    assert course["seats_needed"] == 1
    assert course["usual_capacity"] == 12  # no sessions: a group's default
    assert course["proposed_sessions"] == 1
