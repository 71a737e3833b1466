"""The sessions a calendar holds: one session, or a facilitator's from a month ago onward."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling_api.calendars.ical import Entry
from scheduling_api.courses.models import CourseType
from scheduling_api.exceptions import not_found
from scheduling_api.sessions.access import visible_session
from scheduling_api.sessions.models import Session
from servicekit.auth import Principal

# The feed starts this far back: the last few weeks stay in the facilitator's calendar (what
# ran, what is still to mark) without it growing with every session they ever ran. It has no
# end: every session planned is in it.
FEED_FROM = timedelta(days=30)


async def session_entry(
    *, session: AsyncSession, principal: Principal, session_id: uuid.UUID
) -> Entry:
    """The session, if the caller may see it (else 404), with its course's name."""
    found = await visible_session(session, principal, session_id)
    course = await session.get(CourseType, found.course_type_id)
    return Entry(found, course.name if course else "")


async def facilitator_entries(
    *, session: AsyncSession, principal: Principal, facilitator_id: str, now: datetime
) -> list[Entry]:
    """The sessions `facilitator_id` runs for the caller's forces, from FEED_FROM before `now`
    onward, earliest first. The caller is the facilitator themselves or an administrator.

    An administrator asking for someone who runs no session of their forces, ever, is answered
    404 as for any record they cannot see: facilitators are known to a force by their sessions.
    The facilitator themselves always has a calendar, empty before their first session.
    """
    of_caller = (Session.facilitator_id == facilitator_id) & Session.force_id.in_(principal.forces)
    if principal.subject != facilitator_id and not await session.scalar(
        select(exists().where(of_caller))
    ):
        raise not_found("facilitator")
    rows = await session.execute(
        select(Session, CourseType.name)
        .join(CourseType, CourseType.id == Session.course_type_id)
        .where(of_caller, Session.starts_at >= now - FEED_FROM)
        .order_by(Session.starts_at, Session.id)
    )
    return [Entry(found, name) for found, name in rows.all()]
