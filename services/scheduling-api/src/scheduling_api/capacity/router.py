"""GET /v1/capacity: per course, who waits, the wait to the next free seat, the seats over the
next four weeks, the weekly demand, and the extra sessions that would bring the wait under the
force's target (the arithmetic is `capacity.planner`'s; this route only reads the figures)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from contracts.vocabulary import Pathway
from scheduling_api.bookings.models import Participant, WaitingEntry
from scheduling_api.capacity import planner
from scheduling_api.courses.models import CourseType
from scheduling_api.courses.service import rules_of
from scheduling_api.dependencies import TimetableDep
from scheduling_api.sessions.models import Session
from scheduling_api.times import LondonTime
from servicekit.app import SessionDep

router = APIRouter(prefix="/v1", tags=["capacity"])


class WeekDemand(BaseModel):
    week_starting: date = Field(description="The Monday (Europe/London) the week starts on.")
    people: int = Field(description="People allocated to the course by assessments that week.")


class CourseCapacity(BaseModel):
    course_type_id: uuid.UUID
    force_id: str
    pathway: Pathway
    name: str
    waiting: int = Field(description="People on the course's waiting list.")
    next_free_seat_at: LondonTime | None = Field(
        description="The start of the earliest future session with a seat free; null: none."
    )
    wait_days: float | None = Field(description="Days from now to that session; null: none.")
    target_wait_days: int = Field(
        description="The force's target: nobody should wait longer than this for a seat."
    )
    over_target: bool = Field(
        description="The next free seat is further away than the target (or there is none)."
    )
    seats_booked: int = Field(description="Seats taken in sessions starting in four weeks.")
    seats_free: int = Field(description="Seats free in sessions starting in four weeks.")
    weekly_demand: list[WeekDemand] = Field(
        description="The last eight complete weeks (Monday to Sunday, Europe/London), oldest "
        "first: people allocated to the course by assessment."
    )
    mean_weekly_demand: float = Field(description="The mean of those eight weeks.")
    expected_demand: float = Field(
        description="People expected by the target date: mean weekly demand x target days / 7."
    )
    free_seats_before_target: int = Field(
        description="Seats free in sessions starting from now until now + target days."
    )
    seats_needed: float = Field(
        description="waiting + expected_demand - free_seats_before_target: the seats still "
        "missing for everyone to have one before the target date (0 or less: none missing)."
    )
    usual_capacity: int = Field(
        description="Seats of one extra session: the median capacity of the course's sessions "
        "in the next four weeks (the lower middle of an even count); with none, 12 for a "
        "group; always 1 for a one-to-one."
    )
    proposed_sessions: int = Field(
        description="Extra sessions to add before the target date: "
        "ceil(max(0, seats_needed) / usual_capacity)."
    )
    suggested_starts: list[LondonTime] = Field(
        description="A start for each proposed session, before the target date, on the "
        "weekdays the course runs at its most usual time (else weekday evenings at 18:30), "
        "spread from the first such day; Europe/London time, with its offset."
    )


class CapacityOut(BaseModel):
    at: datetime
    horizon_days: int
    courses: list[CourseCapacity]


@router.get("/capacity", response_model=CapacityOut, operation_id="get_capacity")
async def get_capacity(principal: TimetableDep, session: SessionDep) -> CapacityOut:
    """The backlog, room and demand of each of the caller's forces' courses, and the extra
    sessions that would bring the wait under each force's target."""
    now = datetime.now(UTC)
    forces = sorted(principal.forces)
    targets = {force: (await rules_of(session, force)).target_wait_days for force in forces}
    courses = (
        await session.scalars(
            select(CourseType)
            .where(CourseType.force_id.in_(forces))
            .order_by(CourseType.force_id, CourseType.pathway)
        )
    ).all()
    waiting = {
        (force_id, pathway): count
        for force_id, pathway, count in (
            await session.execute(
                select(WaitingEntry.force_id, WaitingEntry.pathway, func.count())
                .where(WaitingEntry.force_id.in_(forces))
                .group_by(WaitingEntry.force_id, WaitingEntry.pathway)
            )
        ).all()
    }
    until = now + max([planner.HORIZON, *(timedelta(days=t) for t in targets.values())])
    upcoming: dict[uuid.UUID, list[planner.Seats]] = defaultdict(list)
    for row in (
        await session.scalars(
            select(Session).where(
                Session.force_id.in_(forces),
                Session.starts_at >= now,
                Session.starts_at < until,
                Session.closed_at.is_(None),  # a withdrawn appointment is no seat
            )
        )
    ).all():
        upcoming[row.course_type_id].append(
            planner.Seats(starts_at=row.starts_at, capacity=row.capacity, booked=row.booked)
        )
    next_free = dict(
        (
            await session.execute(
                select(Session.course_type_id, func.min(Session.starts_at))
                .where(
                    Session.force_id.in_(forces),
                    Session.starts_at >= now,
                    Session.booked < Session.capacity,
                    Session.closed_at.is_(None),
                )
                .group_by(Session.course_type_id)
            )
        ).all()
    )
    assessed: dict[tuple[str, Pathway], list[datetime]] = defaultdict(list)
    for force_id, pathway, at in (
        await session.execute(
            select(Participant.force_id, Participant.pathway, Participant.assessed_at).where(
                Participant.force_id.in_(forces),
                Participant.assessed_at >= planner.demand_since(now),
            )
        )
    ).all():
        assessed[(force_id, pathway)].append(at if at.tzinfo else at.replace(tzinfo=UTC))
    out: list[CourseCapacity] = []
    for course in courses:
        free_at = next_free.get(course.id)
        if free_at is not None and free_at.tzinfo is None:
            free_at = free_at.replace(tzinfo=UTC)  # an aggregate is not read through the type
        key = (course.force_id, course.pathway)
        figures = planner.plan(
            now=now,
            target_days=targets[course.force_id],
            waiting=waiting.get(key, 0),
            demand=planner.weekly_demand(assessed.get(key, []), now=now),
            sessions=sorted(upcoming.get(course.id, []), key=lambda s: s.starts_at),
            next_free_seat_at=free_at,
            one_to_one=course.pathway is Pathway.one_to_one,
        )
        out.append(
            CourseCapacity(
                course_type_id=course.id,
                force_id=course.force_id,
                pathway=course.pathway,
                name=course.name,
                waiting=figures.waiting,
                next_free_seat_at=free_at,
                wait_days=figures.wait_days,
                target_wait_days=figures.target_days,
                over_target=figures.over_target,
                seats_booked=figures.seats_booked,
                seats_free=figures.seats_free,
                weekly_demand=[
                    WeekDemand(week_starting=w.week_starting, people=w.people)
                    for w in figures.weekly_demand
                ],
                mean_weekly_demand=figures.mean_weekly_demand,
                expected_demand=figures.expected_demand,
                free_seats_before_target=figures.free_seats_before_target,
                seats_needed=figures.seats_needed,
                usual_capacity=figures.usual_capacity,
                proposed_sessions=figures.proposed_sessions,
                suggested_starts=figures.suggested_starts,
            )
        )
    return CapacityOut(at=now, horizon_days=planner.HORIZON.days, courses=out)
