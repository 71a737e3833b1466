"""GET /v1/bookings, GET /v1/bookings/{id} and POST /v1/bookings/{id}/rebooking."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling_api.bookings import allocation
from scheduling_api.bookings.models import Booking
from scheduling_api.bookings.schemas import BookingOut, BookingPage
from scheduling_api.db import kit
from scheduling_api.dependencies import BookingsDep, WorkerDep
from scheduling_api.exceptions import conflict, not_found
from scheduling_api.responses import CONFLICT
from scheduling_api.sessions import access
from scheduling_api.sessions.models import Session
from servicekit.app import SessionDep
from servicekit.auth import Principal
from servicekit.idempotency import OptionalIdempotencyKey, StoredResponse, respond_once, scope_for
from servicekit.paging import CursorQuery, LimitQuery, paginate
from servicekit.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["bookings"])


async def _out(session: AsyncSession, bookings: Sequence[Booking]) -> list[BookingOut]:
    ids = {b.session_id for b in bookings}
    sessions = {
        s.id: s for s in (await session.scalars(select(Session).where(Session.id.in_(ids)))).all()
    }
    return [
        BookingOut.of(
            b,
            pathway=sessions[b.session_id].pathway,
            session_starts_at=sessions[b.session_id].starts_at,
        )
        for b in bookings
    ]


async def visible_booking(
    session: AsyncSession, principal: Principal, booking_id: uuid.UUID
) -> Booking:
    """The booking if the caller may see it: of one of their forces and, for a facilitator, on
    a session they run; 404 alike for missing and not theirs."""
    found = await session.get(Booking, booking_id)
    if found is None or not principal.can_see_force(found.force_id):
        raise not_found("booking")
    if access.runs_it(principal):
        seat = await session.get(Session, found.session_id)
        if seat is None or not access.can_see(principal, seat):
            raise not_found("booking")
    return found


@router.get("/bookings", response_model=BookingPage, operation_id="list_bookings")
async def list_bookings(
    principal: BookingsDep,
    session: SessionDep,
    referral_id: Annotated[uuid.UUID | None, Query(description="One person's bookings.")] = None,
    session_id: Annotated[uuid.UUID | None, Query(description="One session's bookings.")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> BookingPage:
    """Bookings of the caller's forces (a facilitator's: on the sessions they run), by referral
    (the case) or session, newest first."""
    query = select(Booking).where(Booking.force_id.in_(principal.forces))
    if access.runs_it(principal):
        query = query.where(
            Booking.session_id.in_(select(Session.id).where(access.visible_sessions(principal)))
        )
    if referral_id is not None:
        query = query.where(Booking.referral_id == referral_id)
    if session_id is not None:
        query = query.where(Booking.session_id == session_id)
    found = await paginate(
        session,
        query,
        order=(Booking.booked_at, Booking.id),
        cursor=cursor,
        limit=limit,
        descending=True,
    )
    return BookingPage(items=await _out(session, found.rows), next_cursor=found.next_cursor)


@router.get(
    "/bookings/{booking_id}",
    response_model=BookingOut,
    operation_id="get_booking",
    responses=problem_responses(404),
)
async def get_booking(
    booking_id: uuid.UUID, principal: BookingsDep, session: SessionDep
) -> BookingOut:
    """One booking, with its session's course and start."""
    booking = await visible_booking(session, principal, booking_id)
    return (await _out(session, [booking]))[0]


@router.post(
    "/bookings/{booking_id}/rebooking",
    status_code=201,
    response_model=BookingOut,
    operation_id="rebook",
    responses={
        201: {
            "description": "The person is moved: the new booking; the old one is cancelled "
            "and its seat given to the first person waiting.",
            "links": {
                "GetBooking": {
                    "operationId": "get_booking",
                    "parameters": {"booking_id": "$response.body#/id"},
                }
            },
        },
        **problem_responses(404, CONFLICT),
    },
)
async def rebook(
    booking_id: uuid.UUID, worker: WorkerDep, session: SessionDep, key: OptionalIdempotencyKey
) -> Any:
    """Move the person to the earliest other suitable session with room, up to the force's
    rebooking limit."""
    booking = await visible_booking(session, worker, booking_id)

    async def perform() -> StoredResponse:
        try:
            moved = await allocation.rebook(session, booking, now=datetime.now(UTC))
        except allocation.NotPossible as exc:
            raise conflict(str(exc)) from exc
        out = (await _out(session, [moved]))[0]
        return StoredResponse(
            201, out.model_dump(mode="json"), {"Location": f"/v1/bookings/{moved.id}"}
        )

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(worker.subject, f"POST /v1/bookings/{booking_id}/rebooking"),
        payload={},
        perform=perform,
    )
    return answer.json_response()
