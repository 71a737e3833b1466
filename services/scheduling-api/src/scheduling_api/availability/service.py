"""Publishing a facilitator's availability as one-to-one appointments, and withdrawing it.

A window is cut into appointments of the stated length, each an ordinary session of the force's
one-to-one course with one seat, run by the facilitator: the booking rule, the never-overbook
UPDATE and attendance then apply as to any session, and the one-to-one waiting list is filled
at once, so a new window seats the people already waiting without anyone acting.

Times are London wall-clock times. The window's start is read at its first occurrence and its
end at its last, so a window across the night the clocks go back holds the extra hour; a time
the clocks skip (the spring night) does not exist and is refused. Appointments follow each
other in real time, each shown with its own offset.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import BigInteger, delete, exists, func, literal, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import Pathway
from scheduling_api.availability.models import Appointment, AvailabilityWindow
from scheduling_api.bookings import allocation
from scheduling_api.bookings.models import Booking
from scheduling_api.courses.service import course_of
from scheduling_api.sessions.models import DeliveryMode, Session
from scheduling_api.times import LONDON

# A session is at most this long (the session routes' limit): the earliest start that can still
# overlap a window begins this long before it.
LONGEST_SESSION = timedelta(minutes=480)


class Refused(Exception):
    """The window cannot be cut as asked; `field` and the message say what to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NoOneToOneCourse(Exception):
    """The force runs no one-to-one course for the appointments to belong to."""


class Clash(Exception):
    """The facilitator already runs a session in the window."""

    def __init__(self, running: Session) -> None:
        super().__init__(str(running.id))
        self.running = running


class AlreadyWithdrawn(Exception):
    """The window's unbooked appointments were withdrawn before."""


@dataclass(frozen=True)
class Delivery:
    """How every appointment of a window is delivered."""

    mode: DeliveryMode
    join_link: str | None
    venue: str | None
    language: str | None
    interpreter_available: bool


def _in_london(day: date, at: time, *, field: str, last: bool) -> datetime:
    """`at` on `day` in London, in UTC: an hour the clocks repeat is read at its first occurrence
    (or its last, for a window's end); an hour they skip is refused."""
    local = datetime.combine(day, at, LONDON).replace(fold=1 if last else 0)
    utc = local.astimezone(UTC)
    if utc.astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None, fold=0):
        raise Refused(
            field,
            f"{at:%H:%M} does not exist in London on {day.isoformat()} (the clocks go forward); "
            "choose another time",
        )
    return utc


def appointment_starts(
    day: date, from_time: time, to_time: time, minutes: int
) -> tuple[datetime, datetime, list[datetime]]:
    """The window's start and end in UTC and the start of each whole appointment in it."""
    if to_time <= from_time:
        raise Refused("to_time", "must be after from_time, on the same day")
    start = _in_london(day, from_time, field="from_time", last=False)
    end = _in_london(day, to_time, field="to_time", last=True)
    length = timedelta(minutes=minutes)
    count = (end - start) // length
    if count < 1:
        raise Refused("to_time", f"the window is shorter than one appointment of {minutes} minutes")
    return start, end, [start + n * length for n in range(count)]


async def lock_facilitator(session: AsyncSession, facilitator_id: str) -> None:
    """Hold the facilitator's lock until this transaction ends, so two windows published at
    once on two instances cannot both miss the other's appointments. On PostgreSQL an advisory
    lock; on SQLite the window is written before the overlap is looked for, so the database's
    one write lock orders two publishes and the second sees the first's appointments."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"facilitator/{facilitator_id}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        await session.execute(select(func.pg_advisory_xact_lock(literal(key, BigInteger))))


async def clash(
    session: AsyncSession,
    *,
    facilitator_id: str,
    forces: Sequence[str],
    start: datetime,
    end: datetime,
) -> Session | None:
    """The earliest session the facilitator runs (in the caller's forces) that overlaps
    [start, end); a withdrawn appointment (no seats, nobody booked) does not count."""
    candidates = (
        await session.scalars(
            select(Session)
            .where(
                Session.facilitator_id == facilitator_id,
                Session.force_id.in_(forces),
                Session.starts_at < end,
                Session.starts_at > start - LONGEST_SESSION,
                (Session.capacity > 0) | (Session.booked > 0),
            )
            .order_by(Session.starts_at, Session.id)
        )
    ).all()
    for running in candidates:
        if running.starts_at + timedelta(minutes=running.duration_minutes) > start:
            return running
    return None


async def publish(
    session: AsyncSession,
    *,
    force_id: str,
    facilitator_id: str,
    day: date,
    from_time: time,
    to_time: time,
    minutes: int | None,
    delivery: Delivery,
    forces: Sequence[str],
    now: datetime,
    window_id: uuid.UUID | None = None,
) -> AvailabilityWindow:
    """Cut the window into one-to-one appointments and seat those waiting in them."""
    course = await course_of(session, force_id, Pathway.one_to_one)
    if course is None:
        raise NoOneToOneCourse(force_id)
    minutes = minutes or course.duration_minutes
    start, end, starts = appointment_starts(day, from_time, to_time, minutes)
    if start <= now:
        raise Refused("date", "the window must start in the future")
    await lock_facilitator(session, facilitator_id)
    window = AvailabilityWindow(
        id=window_id or uuid.uuid4(),
        force_id=force_id,
        course_type_id=course.id,
        facilitator_id=facilitator_id,
        starts_at=start,
        ends_at=end,
        appointment_minutes=minutes,
        delivery_mode=delivery.mode,
        join_link=delivery.join_link,
        venue=delivery.venue,
        language=delivery.language,
        interpreter_available=delivery.interpreter_available,
        created_at=now,
        withdrawn_at=None,
    )
    session.add(window)
    await session.flush()  # the write lock first, on SQLite (see lock_facilitator)
    running = await clash(
        session, facilitator_id=facilitator_id, forces=forces, start=start, end=end
    )
    if running is not None:
        # nothing is left written, whether or not the caller rolls back (the seed goes on)
        await session.delete(window)
        await session.flush()
        raise Clash(running)
    for at in starts:
        appointment = Session(
            id=uuid.uuid4(),
            force_id=force_id,
            course_type_id=course.id,
            pathway=Pathway.one_to_one,
            starts_at=at,
            duration_minutes=minutes,
            facilitator_id=facilitator_id,
            capacity=1,
            booked=0,
            delivery_mode=delivery.mode,
            join_link=delivery.join_link,
            venue=delivery.venue,
            language=delivery.language,
            interpreter_available=delivery.interpreter_available,
            created_at=now,
        )
        session.add(appointment)
        await session.flush()
        session.add(Appointment(session_id=appointment.id, availability_id=window.id))
    await session.flush()
    await allocation.fill_waiting_list(
        session, force_id=force_id, pathway=Pathway.one_to_one, now=now
    )
    return window


async def appointments_of(
    session: AsyncSession, window_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Session]]:
    """Each window's appointments still offered or booked, earliest first."""
    found: dict[uuid.UUID, list[Session]] = defaultdict(list)
    if not window_ids:
        return found
    rows = await session.execute(
        select(Appointment.availability_id, Session)
        .join(Session, Session.id == Appointment.session_id)
        .where(
            Appointment.availability_id.in_(window_ids),
            (Session.capacity > 0) | (Session.booked > 0),
        )
        .order_by(Session.starts_at, Session.id)
    )
    for window_id, appointment in rows.all():
        found[window_id].append(appointment)
    return found


@dataclass(frozen=True)
class Withdrawn:
    withdrawn: int
    kept_booked: int


async def withdraw(
    session: AsyncSession, window: AvailabilityWindow, *, now: datetime
) -> Withdrawn:
    """Withdraw the window's unbooked appointments; booked ones stay.

    One conditional UPDATE (`capacity = 0 WHERE booked = 0`) closes them, so a booking racing
    the withdrawal either took its seat first (and keeps it) or finds none and tries the next
    session. Closed appointments nobody was ever booked onto are then deleted.
    """
    if window.withdrawn_at is not None:
        raise AlreadyWithdrawn(window.id)
    of_window = select(Appointment.session_id).where(Appointment.availability_id == window.id)
    closed = await session.execute(
        update(Session)
        .where(Session.id.in_(of_window), Session.booked == 0, Session.capacity > 0)
        .values(capacity=0)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(closed, CursorResult)
    # all of them close to new bookings: a kept appointment whose booking is later cancelled
    # is not offered again, as the facilitator withdrew those hours
    await session.execute(
        update(Session)
        .where(Session.id.in_(of_window), Session.closed_at.is_(None))
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )
    kept = await session.scalar(
        select(func.count()).where(Session.id.in_(of_window), Session.booked > 0)
    )
    never_booked = list(
        (
            await session.scalars(
                select(Session.id).where(
                    Session.id.in_(of_window),
                    Session.capacity == 0,
                    ~exists().where(Booking.session_id == Session.id),
                )
            )
        ).all()
    )
    if never_booked:
        await session.execute(delete(Appointment).where(Appointment.session_id.in_(never_booked)))
        await session.execute(delete(Session).where(Session.id.in_(never_booked)))
    window.withdrawn_at = now
    await session.flush()
    return Withdrawn(withdrawn=closed.rowcount, kept_booked=int(kept or 0))
