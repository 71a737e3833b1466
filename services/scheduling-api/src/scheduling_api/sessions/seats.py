"""Taking and freeing seats, and finding the sessions a person could take a seat in.

A seat is taken by one conditional UPDATE (`booked = booked + 1 WHERE booked < capacity`): the
database decides, row by row, so two bookings racing for the last seat (in one process or
several, on SQLite or PostgreSQL) cannot both win. The loser sees no row changed and tries the
next session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import Pathway
from scheduling_api.sessions.models import Session

BATCH = 10


@dataclass(frozen=True)
class Seeker:
    """Who a seat is for: their force's course, when they can start, and their language."""

    force_id: str
    pathway: Pathway
    language: str
    interpreter_needed: bool


def primary_language(tag: str) -> str:
    """The primary language subtag of a BCP 47 tag, lower-cased ("pl" of "pl-PL")."""
    return tag.split("-", 1)[0].strip().lower()


def _speaks(language: str) -> ColumnElement[bool]:
    primary = primary_language(language)
    return or_(Session.language == primary, Session.language.like(f"{primary}-%"))


def suitable(
    seeker: Seeker,
    *,
    after: datetime,
    before: datetime | None = None,
    exclude: uuid.UUID | None = None,
) -> Select[Session]:
    """The sessions with room the seeker could attend, earliest first.

    A session that states a language suits only those who speak it; someone who needs an
    interpreter needs a session in their own language or one with an interpreter.
    """
    speaks = _speaks(seeker.language)
    language = (
        or_(speaks, Session.interpreter_available.is_(True))
        if seeker.interpreter_needed
        else or_(Session.language.is_(None), speaks)
    )
    query = select(Session).where(
        Session.force_id == seeker.force_id,
        Session.pathway == seeker.pathway,
        Session.starts_at >= after,
        Session.booked < Session.capacity,
        Session.closed_at.is_(None),
        language,
    )
    if before is not None:
        query = query.where(Session.starts_at <= before)
    if exclude is not None:
        query = query.where(Session.id != exclude)
    return query.order_by(Session.starts_at, Session.id)


async def any_room(
    session: AsyncSession, force_id: str, pathway: Pathway, *, after: datetime
) -> bool:
    """Whether any session of the course starting after `after` has a seat free."""
    found = await session.scalar(
        select(Session.id)
        .where(
            Session.force_id == force_id,
            Session.pathway == pathway,
            Session.starts_at >= after,
            Session.booked < Session.capacity,
            Session.closed_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


async def take(session: AsyncSession, session_id: uuid.UUID) -> bool:
    """Take one seat if one is free; False when the session is full."""
    result = await session.execute(
        update(Session)
        .where(
            Session.id == session_id,
            Session.booked < Session.capacity,
            Session.closed_at.is_(None),
        )
        .values(booked=Session.booked + 1)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def release(session: AsyncSession, session_id: uuid.UUID) -> None:
    """Give one taken seat back."""
    await session.execute(
        update(Session)
        .where(Session.id == session_id, Session.booked > 0)
        .values(booked=Session.booked - 1)
        .execution_options(synchronize_session=False)
    )


async def take_earliest(
    session: AsyncSession,
    seeker: Seeker,
    *,
    after: datetime,
    before: datetime | None = None,
    exclude: uuid.UUID | None = None,
) -> Session | None:
    """A seat in the earliest suitable session with room, taken; None when there is none.

    Sessions that fill while we look are passed over; the search ends when no suitable
    session has room, which every failed attempt brings closer (seats are finite).
    """
    query = suitable(seeker, after=after, before=before, exclude=exclude).limit(BATCH)
    while True:
        found = list((await session.scalars(query)).all())
        if not found:
            return None
        for candidate in found:
            if await take(session, candidate.id):
                await session.refresh(candidate)
                return candidate


async def resize(session: AsyncSession, session_id: uuid.UUID, capacity: int) -> bool:
    """Set the seats to `capacity` unless more than that are booked (then False), in one
    conditional UPDATE, so a booking racing the change is never left without its seat."""
    result = await session.execute(
        update(Session)
        .where(Session.id == session_id, Session.booked <= capacity)
        .values(capacity=capacity)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1
