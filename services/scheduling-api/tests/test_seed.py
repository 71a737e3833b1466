"""`make run` seeds the demonstration force: five courses, its rules, a month of group sessions
and a month of one-to-one availability, run by the development token's facilitator, who can then
see and book them; seeding twice adds nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from contracts.vocabulary import Pathway
from scheduling_api.reminders.models import Channel, NotifyTemplate, ReminderKind
from scheduling_api.seed import (
    DEMO_FACILITATOR,
    DEMO_FORCE,
    DEMO_TARGET_WAIT_DAYS,
    course_id,
    seed,
    seed_courses,
)
from scheduling_api.sessions.models import DeliveryMode, Session
from scheduling_api.times import LONDON
from servicekit.devidp import DevIdentityProvider

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def count_sessions(desk: Desk) -> int:
    async with desk.runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Session)) or 0)


async def test_the_demo_force_gets_a_month_of_sessions(
    desk: Desk, scheduling_database: str
) -> None:
    await seed(scheduling_database)
    sessions = await count_sessions(desk)
    # each of four groups weekly for four weeks, and two one-to-ones on each of twenty weekdays
    assert sessions == 4 * 4 + 2 * 20
    await seed(scheduling_database)
    assert await count_sessions(desk) == sessions
    async with desk.runtime.db.session() as session:
        templates = (await session.scalars(select(NotifyTemplate))).all()
    assert {(t.force_id, t.channel, t.kind) for t in templates} == {
        ("demo", channel, kind) for channel in Channel for kind in ReminderKind
    }

    facilitator = desk.auth("facilitator", sub=DEMO_FACILITATOR)
    courses = await desk.client.get("/v1/course-types", headers=desk.admin)
    assert len(courses.json()["items"]) == 5
    listed = await desk.client.get("/v1/sessions", headers=facilitator, params={"limit": 100})
    assert {s["facilitator_id"] for s in listed.json()["items"]} == {DEMO_FACILITATOR}

    referral_id = await desk.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None


async def test_the_demo_one_to_ones_are_the_facilitators_published_availability(
    desk: Desk, scheduling_database: str
) -> None:
    await seed(scheduling_database)
    facilitator = desk.auth("facilitator", sub=DEMO_FACILITATOR)
    listed = await desk.client.get("/v1/availability", headers=facilitator, params={"limit": 100})
    windows = listed.json()["items"]
    assert len(windows) == 20
    assert {w["starts_at"][11:16] for w in windows} == {"14:00"}
    assert {len(w["appointments"]) for w in windows} == {2}
    referral_id = await desk.assessed(pathway=Pathway.one_to_one)
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    booked = [
        a for w in windows for a in w["appointments"] if a["session_id"] == str(booking.session_id)
    ]
    assert len(booked) == 1
    capacity = await desk.client.get("/v1/capacity", headers=facilitator)
    assert {c["target_wait_days"] for c in capacity.json()["courses"]} == {DEMO_TARGET_WAIT_DAYS}


async def test_the_development_tokens_facilitator_runs_the_demo_sessions(
    desk: Desk, scheduling_database: str, dev_idp: DevIdentityProvider
) -> None:
    await seed(scheduling_database)
    # `make -s token ROLE=facilitator FORCE=demo`: no subject given, the provider's default
    token = dev_idp.token(role="facilitator", forces=["demo"])
    signed_in = {"Authorization": f"Bearer {token}"}
    listed = await desk.client.get("/v1/sessions", headers=signed_in)
    first = listed.json()["items"][0]
    response = await desk.client.patch(
        f"/v1/sessions/{first['id']}", json={"capacity": 2}, headers=signed_in
    )
    assert response.status_code == 200, response.text


async def test_a_database_seeded_before_availability_keeps_its_one_to_ones(
    desk: Desk, scheduling_database: str
) -> None:
    # an earlier seed made tomorrow's one-to-one at 14:00 by hand; the window would overlap it
    now = datetime.now(UTC)
    tomorrow = now.astimezone(LONDON).date() + timedelta(days=1)
    while tomorrow.weekday() >= 5:
        tomorrow += timedelta(days=1)
    async with desk.runtime.db.session() as session:
        await seed_courses(session, DEMO_FORCE, now)
        session.add(
            Session(
                id=uuid.uuid4(),
                force_id=DEMO_FORCE,
                course_type_id=course_id(DEMO_FORCE, Pathway.one_to_one),
                pathway=Pathway.one_to_one,
                starts_at=datetime.combine(tomorrow, time(14), LONDON).astimezone(UTC),
                duration_minutes=60,
                facilitator_id=DEMO_FACILITATOR,
                capacity=1,
                booked=0,
                delivery_mode=DeliveryMode.online,
                join_link="https://meet.example.org/demo-one-to-one",
                venue=None,
                language=None,
                interpreter_available=False,
                created_at=now,
            )
        )
        await session.commit()
    await seed(scheduling_database)
    facilitator = desk.auth("facilitator", sub=DEMO_FACILITATOR)
    listed = await desk.client.get("/v1/availability", headers=facilitator, params={"limit": 100})
    windows = listed.json()["items"]
    assert tomorrow.isoformat() not in {w["starts_at"][:10] for w in windows}
    assert all(len(w["appointments"]) == 2 for w in windows)
    assert await count_sessions(desk) == 4 * 4 + 2 * len(windows) + 1
