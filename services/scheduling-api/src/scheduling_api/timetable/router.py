"""GET/POST /v1/sessions, GET/PATCH /v1/sessions/{id}, GET /v1/sessions/unmarked and POST
/v1/sessions/{id}/attendance."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from sqlalchemy import select

from scheduling_api.bookings import allocation
from scheduling_api.bookings.models import Booking, BookingStatus
from scheduling_api.courses.models import CourseType
from scheduling_api.db import kit
from scheduling_api.dependencies import FacilitatorDep, NowDep, TimetableDep
from scheduling_api.exceptions import conflict, invalid_field
from scheduling_api.responses import CONFLICT
from scheduling_api.sessions import seats
from scheduling_api.sessions.access import visible_session, visible_sessions
from scheduling_api.sessions.models import Session
from scheduling_api.timetable import unmarked
from scheduling_api.timetable.paths import SESSION_ID, UNMARKED
from scheduling_api.timetable.schemas import (
    AttendanceIn,
    AttendanceOut,
    AttendanceResult,
    Outcome,
    SessionChange,
    SessionIn,
    SessionOut,
    SessionPage,
    UnmarkedSessionOut,
    UnmarkedSessionPage,
    example_attendance,
    example_session,
)
from servicekit.app import SessionDep
from servicekit.auth import Principal, Role
from servicekit.idempotency import OptionalIdempotencyKey, StoredResponse, respond_once, scope_for
from servicekit.paging import CursorQuery, LimitQuery, paginate
from servicekit.problems import problem_responses
from servicekit.types import IsoDateTime

router = APIRouter(prefix="/v1", tags=["sessions"])


@router.get("/sessions", response_model=SessionPage, operation_id="list_sessions")
async def list_sessions(
    principal: TimetableDep,
    session: SessionDep,
    course_type_id: Annotated[uuid.UUID | None, Query(description="Of this course.")] = None,
    starts_from: Annotated[
        IsoDateTime | None, Query(description="Starting at or after this time.")
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> SessionPage:
    """The sessions of the caller's forces (a facilitator's: those they run), earliest first."""
    query = select(Session).where(visible_sessions(principal))
    if course_type_id is not None:
        query = query.where(Session.course_type_id == course_type_id)
    if starts_from is not None:
        query = query.where(Session.starts_at >= starts_from)
    found = await paginate(
        session, query, order=(Session.starts_at, Session.id), cursor=cursor, limit=limit
    )
    return SessionPage(
        items=[SessionOut.of_session(s) for s in found.rows], next_cursor=found.next_cursor
    )


@router.get(
    f"/sessions/{UNMARKED}",
    response_model=UnmarkedSessionPage,
    operation_id="list_unmarked_sessions",
)
async def list_unmarked_sessions(
    principal: TimetableDep,
    session: SessionDep,
    now: NowDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> UnmarkedSessionPage:
    """Sessions that have ended with bookings nobody has marked yet, oldest first: a
    facilitator's own, an administrator's every one of their forces'. Each leaves the list once
    every booking on it is marked (POST /v1/sessions/{id}/attendance)."""
    found = await paginate(
        session,
        unmarked.unmarked_sessions(principal=principal, now=now),
        order=(Session.starts_at, Session.id),
        cursor=cursor,
        limit=limit,
    )
    counts = await unmarked.bookings_to_mark(
        session=session, session_ids=[s.id for s in found.rows]
    )
    return UnmarkedSessionPage(
        items=[UnmarkedSessionOut.of_unmarked(s, counts.get(s.id, 0)) for s in found.rows],
        next_cursor=found.next_cursor,
    )


@router.get(
    f"/sessions/{SESSION_ID}",
    response_model=SessionOut,
    operation_id="get_session",
    responses=problem_responses(404),
)
async def get_session(
    session_id: uuid.UUID, principal: TimetableDep, session: SessionDep
) -> SessionOut:
    """One session, with its seats taken and left (a facilitator: only their own)."""
    return SessionOut.of_session(await visible_session(session, principal, session_id))


def _facilitator_of(body: SessionIn, principal: Principal) -> str:
    if principal.role is Role.facilitator:
        if body.facilitator_id not in (None, principal.subject):
            raise invalid_field(
                "facilitator_id",
                "facilitators add their own sessions; leave it out, or ask an administrator",
            )
        return principal.subject
    if body.facilitator_id is None:
        raise invalid_field("facilitator_id", "name the session's facilitator")
    return body.facilitator_id


@router.post(
    "/sessions",
    status_code=201,
    response_model=SessionOut,
    operation_id="create_session",
    responses={
        201: {
            "description": "The session is added; people waiting for its course are booked "
            "onto it at once.",
            "links": {
                "GetSession": {
                    "operationId": "get_session",
                    "parameters": {"session_id": "$response.body#/id"},
                }
            },
        },
    },
)
async def create_session(
    body: Annotated[SessionIn, Body(openapi_examples={"online": {"value": example_session()}})],
    principal: TimetableDep,
    session: SessionDep,
    key: OptionalIdempotencyKey,
) -> Any:
    """Add a session of one of the force's courses; its seats go first to those waiting."""
    force_id = principal.force
    facilitator_id = _facilitator_of(body, principal)
    now = datetime.now(UTC)
    if body.starts_at <= now:
        raise invalid_field("starts_at", "must be in the future")

    async def perform() -> StoredResponse:
        course = await session.get(CourseType, body.course_type_id)
        if course is None or course.force_id != force_id:
            raise invalid_field("course_type_id", "is not one of your force's courses")
        added = Session(
            id=uuid.uuid4(),
            force_id=force_id,
            course_type_id=course.id,
            pathway=course.pathway,
            starts_at=body.starts_at,
            duration_minutes=body.duration_minutes or course.duration_minutes,
            facilitator_id=facilitator_id,
            capacity=body.capacity,
            booked=0,
            delivery_mode=body.delivery_mode,
            join_link=body.join_link,
            venue=body.venue,
            language=body.language,
            interpreter_available=body.interpreter_available,
            created_at=now,
        )
        session.add(added)
        await session.flush()
        await allocation.fill_waiting_list(
            session, force_id=force_id, pathway=course.pathway, now=now
        )
        await session.refresh(added)
        out = SessionOut.of_session(added)
        return StoredResponse(
            201, out.model_dump(mode="json"), {"Location": f"/v1/sessions/{added.id}"}
        )

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(principal.subject, "POST /v1/sessions"),
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    return answer.json_response()


@router.patch(
    f"/sessions/{SESSION_ID}",
    response_model=SessionOut,
    operation_id="change_session",
    responses=problem_responses(404, CONFLICT),
)
async def change_session(
    session_id: uuid.UUID,
    body: Annotated[
        SessionChange, Body(openapi_examples={"more seats": {"value": {"capacity": 16}}})
    ],
    principal: TimetableDep,
    session: SessionDep,
) -> SessionOut:
    """Change a session's seats (its facilitator, or an administrator). Seats added go at once
    to those waiting for the course; fewer seats than are booked is refused."""
    seat = await visible_session(session, principal, session_id)
    if not await seats.resize(session, seat.id, body.capacity):
        await session.refresh(seat)
        raise conflict(
            f"{seat.booked} seats are booked; the capacity cannot go below that. Move people "
            "to other sessions first.",
            slug="seats-booked",
        )
    await allocation.fill_waiting_list(
        session, force_id=seat.force_id, pathway=seat.pathway, now=datetime.now(UTC)
    )
    await session.commit()
    await session.refresh(seat)
    return SessionOut.of_session(seat)


@router.post(
    f"/sessions/{SESSION_ID}/attendance",
    response_model=AttendanceOut,
    operation_id="record_attendance",
    responses=problem_responses(404, CONFLICT),
)
async def record_attendance(
    session_id: uuid.UUID,
    body: Annotated[
        AttendanceIn, Body(openapi_examples={"attended": {"value": example_attendance()}})
    ],
    facilitator: FacilitatorDep,
    session: SessionDep,
    key: OptionalIdempotencyKey,
) -> Any:
    """Who attended and who did not, once the session has started.

    Attending completes the intervention. Missing it offers the next suitable session before
    the force's deadline, or, when none is left, records that the person did not engage. A
    booking marked again with the same outcome is left as it is; all marks apply or none do.
    """
    seat = await visible_session(session, facilitator, session_id)
    now = datetime.now(UTC)
    if seat.starts_at > now:
        raise conflict(
            "The session has not started yet; record attendance once it has.",
            slug="session-not-started",
        )

    async def perform() -> StoredResponse:
        results: list[AttendanceResult] = []
        for index, mark in enumerate(body.marks):
            booking = await session.get(Booking, mark.booking_id)
            if booking is None or booking.session_id != seat.id:
                raise invalid_field(
                    f"marks[{index}].booking_id", "is not a booking of this session"
                )
            if booking.status.value == mark.outcome.value:
                results.append(AttendanceResult(booking_id=booking.id, outcome=mark.outcome))
                continue
            if booking.status is not BookingStatus.booked:
                raise conflict(
                    f"Booking {booking.id} is already {booking.status}; it cannot become "
                    f"{mark.outcome}.",
                )
            next_booking_id = None
            if mark.outcome is Outcome.attended:
                await allocation.attended(session, booking, seat, now=now)
            else:
                offered = await allocation.missed(session, booking, seat, now=now)
                next_booking_id = offered.id if offered else None
            results.append(
                AttendanceResult(
                    booking_id=booking.id, outcome=mark.outcome, next_booking_id=next_booking_id
                )
            )
        out = AttendanceOut(session_id=seat.id, results=results)
        return StoredResponse(200, out.model_dump(mode="json"), {})

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(facilitator.subject, f"POST /v1/sessions/{session_id}/attendance"),
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    return answer.json_response()
