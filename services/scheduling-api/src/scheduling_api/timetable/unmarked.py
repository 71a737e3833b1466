"""Sessions left unmarked: over, yet still holding a booking nobody has marked attended or
missed.

Until a booking is marked, its person is neither completed nor offered another session, and
the force's deadline runs on; so a session left unmarked is listed for its facilitator (and for
the force's administrators) until every booking on it is marked.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling_api.bookings.models import Booking, BookingStatus
from scheduling_api.sessions.access import visible_sessions
from scheduling_api.sessions.models import Session, session_end
from servicekit.auth import Principal


def unmarked_sessions(*, principal: Principal, now: datetime) -> Select[Session]:
    """The caller's sessions over by `now` with a booking still to mark."""
    to_mark = (
        select(Booking.id)
        .where(Booking.session_id == Session.id, Booking.status == BookingStatus.booked)
        .exists()
    )
    return select(Session).where(
        visible_sessions(principal),
        Session.starts_at <= now,  # implied by the next, and served by the index on the start
        session_end() <= now,
        to_mark,
    )


async def bookings_to_mark(
    *, session: AsyncSession, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many bookings of each session are still to mark."""
    rows = await session.execute(
        select(Booking.session_id, func.count())
        .where(Booking.session_id.in_(session_ids), Booking.status == BookingStatus.booked)
        .group_by(Booking.session_id)
    )
    return {session_id: count for session_id, count in rows.all()}
