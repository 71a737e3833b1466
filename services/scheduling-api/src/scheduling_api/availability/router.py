"""POST/GET /v1/availability, GET/DELETE /v1/availability/{id}: facilitators' published
availability for one-to-ones, cut into appointments people are booked onto."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling_api.availability import service
from scheduling_api.availability.models import AvailabilityWindow
from scheduling_api.availability.schemas import (
    AvailabilityIn,
    AvailabilityOut,
    AvailabilityPage,
    WithdrawalOut,
    example_availability,
)
from scheduling_api.db import kit
from scheduling_api.dependencies import TimetableDep
from scheduling_api.exceptions import conflict, invalid_field, not_found
from scheduling_api.times import in_london
from servicekit.app import SessionDep
from servicekit.auth import Principal, Role
from servicekit.idempotency import OptionalIdempotencyKey, StoredResponse, respond_once, scope_for
from servicekit.paging import CursorQuery, LimitQuery, paginate
from servicekit.problems import problem_responses
from servicekit.types import IsoDateTime

router = APIRouter(prefix="/v1", tags=["availability"])

PUBLISH_CONFLICT = (
    409,
    "The facilitator already runs a session in the window, or the force runs no one-to-one "
    "course yet.",
)
WITHDRAW_CONFLICT = (409, "The window was withdrawn already.")


def _of_facilitator(principal: Principal, query: Any) -> Any:
    """Facilitators see their own windows; administrators their forces'."""
    query = query.where(AvailabilityWindow.force_id.in_(principal.forces))
    if principal.role is Role.facilitator:
        query = query.where(AvailabilityWindow.facilitator_id == principal.subject)
    return query


async def visible_window(
    session: AsyncSession, principal: Principal, availability_id: uuid.UUID
) -> AvailabilityWindow:
    """The window if the caller may see it; 404 alike for missing, another force's and (for a
    facilitator) another facilitator's."""
    found: AvailabilityWindow | None = await session.scalar(
        _of_facilitator(
            principal, select(AvailabilityWindow).where(AvailabilityWindow.id == availability_id)
        )
    )
    if found is None:
        raise not_found("availability")
    return found


async def _out(session: AsyncSession, window: AvailabilityWindow) -> AvailabilityOut:
    appointments = await service.appointments_of(session, [window.id])
    return AvailabilityOut.of_window(window, appointments.get(window.id, []))


@router.get("/availability", response_model=AvailabilityPage, operation_id="list_availability")
async def list_availability(
    principal: TimetableDep,
    session: SessionDep,
    ends_from: Annotated[
        IsoDateTime | None, Query(description="Closing at or after this time.")
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> AvailabilityPage:
    """Windows of availability, earliest first, with their appointments booked and free: a
    facilitator's own, or every window of an administrator's forces."""
    query = _of_facilitator(principal, select(AvailabilityWindow))
    if ends_from is not None:
        query = query.where(AvailabilityWindow.ends_at >= ends_from)
    found = await paginate(
        session,
        query,
        order=(AvailabilityWindow.starts_at, AvailabilityWindow.id),
        cursor=cursor,
        limit=limit,
    )
    appointments = await service.appointments_of(session, [w.id for w in found.rows])
    return AvailabilityPage(
        items=[AvailabilityOut.of_window(w, appointments.get(w.id, [])) for w in found.rows],
        next_cursor=found.next_cursor,
    )


@router.get(
    "/availability/{availability_id}",
    response_model=AvailabilityOut,
    operation_id="get_availability",
    responses=problem_responses(404),
)
async def get_availability(
    availability_id: uuid.UUID, principal: TimetableDep, session: SessionDep
) -> AvailabilityOut:
    """One window, with its appointments booked and free."""
    return await _out(session, await visible_window(session, principal, availability_id))


def _publisher(body: AvailabilityIn, principal: Principal) -> tuple[str, str]:
    """The force and facilitator of the window, as the caller may publish it."""
    if body.force_id is None:
        force_id = principal.force
    elif principal.can_see_force(body.force_id):
        force_id = body.force_id
    else:
        raise invalid_field("force_id", "is not one of your forces")
    if principal.role is Role.facilitator:
        if body.facilitator_id not in (None, principal.subject):
            raise invalid_field(
                "facilitator_id",
                "facilitators publish their own availability; leave it out, or ask an "
                "administrator",
            )
        return force_id, principal.subject
    if body.facilitator_id is None:
        raise invalid_field("facilitator_id", "name the facilitator who runs the appointments")
    return force_id, body.facilitator_id


@router.post(
    "/availability",
    status_code=201,
    response_model=AvailabilityOut,
    operation_id="publish_availability",
    responses={
        201: {
            "description": "The window is published as one-to-one appointments; people "
            "waiting for a one-to-one are booked onto them at once.",
            "links": {
                "GetAvailability": {
                    "operationId": "get_availability",
                    "parameters": {"availability_id": "$response.body#/id"},
                },
                "WithdrawAvailability": {
                    "operationId": "withdraw_availability",
                    "parameters": {"availability_id": "$response.body#/id"},
                },
            },
        },
        **problem_responses(PUBLISH_CONFLICT),
    },
)
async def publish_availability(
    body: Annotated[
        AvailabilityIn,
        Body(openapi_examples={"a morning online": {"value": example_availability()}}),
    ],
    principal: TimetableDep,
    session: SessionDep,
    key: OptionalIdempotencyKey,
) -> Any:
    """Publish a window of one-to-one availability (a facilitator their own; an administrator
    names the facilitator). It is cut into appointments of the stated length, each a session
    with one seat, and those waiting for a one-to-one are seated in them at once. A window
    overlapping a session the facilitator already runs is refused."""
    force_id, facilitator_id = _publisher(body, principal)
    now = datetime.now(UTC)

    async def perform() -> StoredResponse:
        try:
            window = await service.publish(
                session,
                force_id=force_id,
                facilitator_id=facilitator_id,
                day=body.date,
                from_time=body.opens,
                to_time=body.closes,
                minutes=body.appointment_minutes,
                delivery=service.Delivery(
                    mode=body.delivery_mode,
                    join_link=body.join_link,
                    venue=body.venue,
                    language=body.language,
                    interpreter_available=body.interpreter_available,
                ),
                forces=sorted(principal.forces),
                now=now,
            )
        except service.Refused as exc:
            raise invalid_field(exc.field, exc.message) from exc
        except service.NoOneToOneCourse as exc:
            raise conflict(
                f"Force {force_id} runs no one-to-one course yet; an administrator adds one "
                '(POST /v1/course-types with "pathway": "one_to_one"), then publish again.',
                slug="no-one-to-one-course",
            ) from exc
        except service.Clash as exc:
            running = exc.running
            starts = in_london(running.starts_at)
            raise conflict(
                f"{facilitator_id} already runs a {running.pathway} session at "
                f"{starts:%H:%M} on {starts:%A %d %B %Y} ({running.duration_minutes} minutes, "
                f"session {running.id}), which overlaps this window; publish around it.",
                slug="availability-overlaps",
            ) from exc
        out = await _out(session, window)
        return StoredResponse(
            201, out.model_dump(mode="json"), {"Location": f"/v1/availability/{window.id}"}
        )

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(principal.subject, "POST /v1/availability"),
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    return answer.json_response()


@router.delete(
    "/availability/{availability_id}",
    response_model=WithdrawalOut,
    operation_id="withdraw_availability",
    responses=problem_responses(404, WITHDRAW_CONFLICT),
)
async def withdraw_availability(
    availability_id: uuid.UUID,
    principal: TimetableDep,
    session: SessionDep,
    key: OptionalIdempotencyKey,
) -> Any:
    """Withdraw the window's unbooked appointments (its facilitator, or an administrator).
    Booked appointments stay with the people booked; the answer says how many."""
    window = await visible_window(session, principal, availability_id)

    now = datetime.now(UTC)

    async def perform() -> StoredResponse:
        try:
            result = await service.withdraw(session, window, now=now)
        except service.AlreadyWithdrawn as exc:
            withdrawn_at = in_london(window.withdrawn_at or now)
            raise conflict(
                f"This availability was withdrawn at {withdrawn_at:%H:%M on %d %B %Y}; only "
                "its booked appointments remain, with the people booked onto them.",
                slug="availability-withdrawn",
            ) from exc
        out = WithdrawalOut(
            availability=await _out(session, window),
            withdrawn=result.withdrawn,
            kept_booked=result.kept_booked,
        )
        return StoredResponse(200, out.model_dump(mode="json"), {})

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(principal.subject, f"DELETE /v1/availability/{availability_id}"),
        payload={},
        perform=perform,
    )
    return answer.json_response()
