"""GET /v1/sessions/{id}.ics and GET /v1/calendars/facilitators/{id}.ics: sessions as iCalendar.

Both need the bearer token like every other route; a calendar app cannot send one, so for now
a facilitator downloads the file (or a client fetches it for them) rather than subscribing.
An error is problem+json like anywhere else, never a calendar.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from scheduling_api.calendars import ical, service
from scheduling_api.dependencies import NowDep, TimetableDep
from scheduling_api.exceptions import not_your_calendar
from servicekit.app import SessionDep
from servicekit.auth import Role
from servicekit.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["calendars"])

# Stable per facilitator, so an app that imported the feed twice knows it for the same calendar
FEEDS = uuid.UUID("3f0c9a52-7d1e-4b8a-9c61-2e5f8d4a7b10")


class CalendarResponse(Response):
    media_type = ical.MEDIA_TYPE  # Starlette adds "; charset=utf-8" to a text/ type


def calendar_responses(what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": what,
            "content": {ical.MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **problem_responses(404),
    }


def answer(body: bytes, filename: str) -> CalendarResponse:
    return CalendarResponse(
        body,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            # join links are for the session's people only: no shared cache keeps them
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/sessions/{session_id}.ics",
    response_class=CalendarResponse,
    operation_id="get_session_calendar",
    responses=calendar_responses("The session as an iCalendar event, in Europe/London time."),
)
async def get_session_calendar(
    session_id: uuid.UUID, principal: TimetableDep, session: SessionDep, now: NowDep
) -> CalendarResponse:
    """One session as iCalendar (its facilitator, or an administrator of its force): the
    course, the start and end in Europe/London time, the venue or join link, the seats taken.
    Never who is booked."""
    entry = await service.session_entry(session=session, principal=principal, session_id=session_id)
    body = ical.calendar_of([entry], name=entry.course_name, calendar_id=entry.session.id, now=now)
    return answer(body, f"session-{session_id}.ics")


@router.get(
    "/calendars/facilitators/{facilitator_id}.ics",
    response_class=CalendarResponse,
    operation_id="get_facilitator_calendar",
    responses=calendar_responses(
        "The facilitator's sessions from 30 days ago onward, as iCalendar events in "
        "Europe/London time."
    ),
)
async def get_facilitator_calendar(
    facilitator_id: Annotated[
        str,
        Path(
            min_length=1,
            max_length=128,
            description="The facilitator's subject (their sign-in id, as sessions name them).",
        ),
    ],
    principal: TimetableDep,
    session: SessionDep,
    now: NowDep,
) -> CalendarResponse:
    """A facilitator's calendar: every session they run for the caller's forces, from 30 days
    ago onward (the facilitator themselves, or an administrator of their forces)."""
    if principal.role is Role.facilitator and principal.subject != facilitator_id:
        raise not_your_calendar()
    entries = await service.facilitator_entries(
        session=session, principal=principal, facilitator_id=facilitator_id, now=now
    )
    body = ical.calendar_of(
        entries,
        name="Diversion sessions",
        calendar_id=uuid.uuid5(FEEDS, facilitator_id),
        now=now,
    )
    return answer(body, "sessions.ics")
