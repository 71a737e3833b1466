"""GET /v1/capacity: per course, who waits, the wait to the next free seat, and the seats over
the next four weeks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from contracts.vocabulary import Pathway
from scheduling_api.bookings.models import WaitingEntry
from scheduling_api.courses.models import CourseType
from scheduling_api.dependencies import TimetableDep
from scheduling_api.sessions.models import Session
from scheduling_api.times import LondonTime
from servicekit.app import SessionDep

router = APIRouter(prefix="/v1", tags=["capacity"])

HORIZON = timedelta(weeks=4)


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
    seats_booked: int = Field(description="Seats taken in sessions starting in four weeks.")
    seats_free: int = Field(description="Seats free in sessions starting in four weeks.")


class CapacityOut(BaseModel):
    at: datetime
    horizon_days: int
    courses: list[CourseCapacity]


@router.get("/capacity", response_model=CapacityOut, operation_id="get_capacity")
async def get_capacity(principal: TimetableDep, session: SessionDep) -> CapacityOut:
    """The backlog and room of each of the caller's forces' courses."""
    now = datetime.now(UTC)
    courses = (
        await session.scalars(
            select(CourseType)
            .where(CourseType.force_id.in_(principal.forces))
            .order_by(CourseType.force_id, CourseType.pathway)
        )
    ).all()
    waiting = {
        (force_id, pathway): count
        for force_id, pathway, count in (
            await session.execute(
                select(WaitingEntry.force_id, WaitingEntry.pathway, func.count())
                .where(WaitingEntry.force_id.in_(principal.forces))
                .group_by(WaitingEntry.force_id, WaitingEntry.pathway)
            )
        ).all()
    }
    seats = {
        course_id: (booked, capacity)
        for course_id, booked, capacity in (
            await session.execute(
                select(Session.course_type_id, func.sum(Session.booked), func.sum(Session.capacity))
                .where(
                    Session.force_id.in_(principal.forces),
                    Session.starts_at >= now,
                    Session.starts_at < now + HORIZON,
                )
                .group_by(Session.course_type_id)
            )
        ).all()
    }
    next_free = dict(
        (
            await session.execute(
                select(Session.course_type_id, func.min(Session.starts_at))
                .where(
                    Session.force_id.in_(principal.forces),
                    Session.starts_at >= now,
                    Session.booked < Session.capacity,
                )
                .group_by(Session.course_type_id)
            )
        ).all()
    )
    out: list[CourseCapacity] = []
    for course in courses:
        booked, capacity = seats.get(course.id, (0, 0))
        free_at = next_free.get(course.id)
        if free_at is not None and free_at.tzinfo is None:
            free_at = free_at.replace(tzinfo=UTC)  # an aggregate is not read through the type
        out.append(
            CourseCapacity(
                course_type_id=course.id,
                force_id=course.force_id,
                pathway=course.pathway,
                name=course.name,
                waiting=waiting.get((course.force_id, course.pathway), 0),
                next_free_seat_at=free_at,
                wait_days=round((free_at - now).total_seconds() / 86400, 1) if free_at else None,
                seats_booked=int(booked or 0),
                seats_free=int((capacity or 0) - (booked or 0)),
            )
        )
    return CapacityOut(at=now, horizon_days=HORIZON.days, courses=out)
