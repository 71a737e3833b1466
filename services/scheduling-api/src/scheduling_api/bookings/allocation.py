"""Seating people: the booking rule, the waiting list, withdrawal, rebooking and attendance.

The rule: the earliest session of the person's course with room, starting at least the force's
lead time after their assessment, in their language where the session states one (with an
interpreter, or in their own language, when they need one); else the course's waiting list, in
the order people joined it. A seat freed or added goes to the first person waiting whom it
suits, in the same transaction, so nobody has to act for the list to move.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, delete, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.v1 import (
    AssessmentCompleted,
    InterventionCompleted,
    InterventionNotEngaged,
    ReminderContact,
    SessionAttended,
    SessionBooked,
    SessionMissed,
)
from contracts.vocabulary import Pathway
from scheduling_api.bookings.models import (
    OPEN_STATUSES,
    Booking,
    BookingStatus,
    Participant,
    ParticipantStatus,
    WaitingEntry,
    Withdrawal,
)
from scheduling_api.courses.service import rules_of
from scheduling_api.events import publish
from scheduling_api.reminders import contact as reminder_contact
from scheduling_api.reminders import schedule as reminders
from scheduling_api.sessions import seats
from scheduling_api.sessions.models import Session

log = logging.getLogger(__name__)


class NotPossible(Exception):
    """The action does not fit the booking's or the person's state; the message says why."""


async def lock_referral(session: AsyncSession, referral_id: uuid.UUID) -> None:
    """Hold the referral's lock until this transaction ends.

    An assessment and a withdrawal of one referral applied at once on two instances would each
    miss the other's uncommitted row; with the lock the second waits for the first to commit
    and then sees it. On PostgreSQL a transaction-scoped advisory lock; on SQLite each handler
    writes before it reads what the other writes, and the database's single write lock orders
    them.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(referral_id.bytes[:8], "big", signed=True)
        await session.execute(select(func.pg_advisory_xact_lock(literal(key, BigInteger))))


def seeker_of(participant: Participant) -> seats.Seeker:
    return seats.Seeker(
        force_id=participant.force_id,
        pathway=participant.pathway,
        language=participant.preferred_language,
        interpreter_needed=participant.interpreter_needed,
    )


async def _book(
    session: AsyncSession,
    participant: Participant,
    seat: Session,
    *,
    now: datetime,
    rebook_count: int = 0,
    rebooking: bool = False,
) -> Booking:
    booking = Booking(
        id=uuid.uuid4(),
        referral_id=participant.referral_id,
        force_id=participant.force_id,
        session_id=seat.id,
        status=BookingStatus.booked,
        rebook_count=rebook_count,
        booked_at=now,
        updated_at=now,
    )
    session.add(booking)
    participant.status = ParticipantStatus.booked
    participant.updated_at = now
    await publish(
        session,
        referral_id=participant.referral_id,
        force_id=participant.force_id,
        data=SessionBooked(
            referral_id=participant.referral_id,
            booking_id=booking.id,
            session_id=seat.id,
            course_type=seat.pathway,
            session_start=seat.starts_at,
            rebooking=rebooking,
        ),
    )
    await session.flush()
    await reminders.on_booking(
        session,
        booking_id=booking.id,
        referral_id=booking.referral_id,
        force_id=booking.force_id,
        session_id=seat.id,
        starts_at=seat.starts_at,
        now=now,
    )
    return booking


async def assessment_completed(
    session: AsyncSession,
    *,
    force_id: str,
    data: AssessmentCompleted,
    now: datetime,
    contact: ReminderContact | None = None,
) -> Participant | None:
    """Seat the assessed person, or put them on their course's waiting list; their reminder
    `contact` (opened from the event) is kept first, so the booking's reminders go to it.

    None when the referral already has a participant (the event again) or was withdrawn.
    """
    await lock_referral(session, data.referral_id)
    known = await session.scalar(
        select(Participant.id).where(Participant.referral_id == data.referral_id)
    )
    if known is not None:
        return None
    rules = await rules_of(session, force_id)
    participant = Participant(
        id=uuid.uuid4(),
        referral_id=data.referral_id,
        force_id=force_id,
        pathway=data.pathway,
        assessed_at=data.completed_at,
        earliest_start=data.completed_at + rules.lead_time,
        engagement_deadline=data.completed_at + rules.engagement_window,
        preferred_language=data.preferred_language.lower(),
        interpreter_needed=data.interpreter_needed,
        status=ParticipantStatus.waiting,
        sessions_missed=0,
        created_at=now,
        updated_at=now,
    )
    session.add(participant)
    # written before the withdrawal is looked for: on SQLite the write takes the database's one
    # write lock, so a withdrawal applied at once by another process is seen or sees this
    await session.flush()
    if await session.get(Withdrawal, data.referral_id) is not None:
        log.info("referral %s was withdrawn before its assessment arrived", data.referral_id)
        participant.status = ParticipantStatus.withdrawn
        await session.flush()
        return None
    if contact is not None:
        await reminder_contact.keep(
            session, referral_id=data.referral_id, force_id=force_id, contact=contact, now=now
        )
    seat = await seats.take_earliest(
        session, seeker_of(participant), after=max(participant.earliest_start, now)
    )
    if seat is None:
        session.add(
            WaitingEntry(
                id=uuid.uuid4(),
                referral_id=participant.referral_id,
                force_id=force_id,
                pathway=participant.pathway,
                queued_at=now,
            )
        )
        await session.flush()
    else:
        await _book(session, participant, seat, now=now)
    return participant


async def fill_waiting_list(
    session: AsyncSession, *, force_id: str, pathway: Pathway, now: datetime
) -> int:
    """Give free seats of the course to those waiting, first come first; how many were seated."""
    entries = (
        await session.scalars(
            select(WaitingEntry)
            .where(WaitingEntry.force_id == force_id, WaitingEntry.pathway == pathway)
            .order_by(WaitingEntry.queued_at, WaitingEntry.id)
        )
    ).all()
    seated = 0
    for entry in entries:
        if not await seats.any_room(session, force_id, pathway, after=now):
            break  # the course is full: nobody further down can be seated either
        participant = await session.scalar(
            select(Participant).where(Participant.referral_id == entry.referral_id)
        )
        assert participant is not None
        seat = await seats.take_earliest(
            session, seeker_of(participant), after=max(participant.earliest_start, now)
        )
        if seat is None:
            continue  # nothing with room suits this person; the next may fit
        await session.delete(entry)
        await _book(session, participant, seat, now=now)
        seated += 1
    return seated


async def _cancel(session: AsyncSession, booking: Booking, *, now: datetime) -> None:
    booking.status = BookingStatus.cancelled
    booking.updated_at = now
    await seats.release(session, booking.session_id)
    await reminders.cancel_pending(session, booking_id=booking.id, now=now)
    await session.flush()


async def withdraw(
    session: AsyncSession, *, referral_id: uuid.UUID, withdrawn_at: datetime, now: datetime
) -> Participant | None:
    """Stop scheduling a withdrawn referral: its booking is cancelled and its seat given on."""
    await lock_referral(session, referral_id)
    if await session.get(Withdrawal, referral_id) is None:
        session.add(Withdrawal(referral_id=referral_id, withdrawn_at=withdrawn_at))
        await session.flush()  # the write lock first, on SQLite (see assessment_completed)
    participant = await session.scalar(
        select(Participant).where(Participant.referral_id == referral_id)
    )
    if participant is None or participant.status not in OPEN_STATUSES:
        await session.flush()
        return participant
    participant.status = ParticipantStatus.withdrawn
    participant.updated_at = now
    await session.execute(delete(WaitingEntry).where(WaitingEntry.referral_id == referral_id))
    booking = await current_booking(session, referral_id)
    if booking is not None:
        await _cancel(session, booking, now=now)
        await fill_waiting_list(
            session, force_id=participant.force_id, pathway=participant.pathway, now=now
        )
    await reminder_contact.close(session, referral_id=referral_id, now=now)
    await session.flush()
    return participant


async def current_booking(session: AsyncSession, referral_id: uuid.UUID) -> Booking | None:
    found: Booking | None = await session.scalar(
        select(Booking).where(
            Booking.referral_id == referral_id, Booking.status == BookingStatus.booked
        )
    )
    return found


async def _participant(session: AsyncSession, referral_id: uuid.UUID) -> Participant:
    participant = await session.scalar(
        select(Participant).where(Participant.referral_id == referral_id)
    )
    assert participant is not None
    return participant


async def rebook(session: AsyncSession, booking: Booking, *, now: datetime) -> Booking:
    """Move the person to the earliest other suitable session with room, within the limit."""
    if booking.status != BookingStatus.booked:
        raise NotPossible(f"The booking is {booking.status}; only a current booking can move.")
    current = await session.get(Session, booking.session_id)
    assert current is not None
    if current.starts_at <= now:
        raise NotPossible("The session has started; record attendance instead of moving it.")
    rules = await rules_of(session, booking.force_id)
    if booking.rebook_count >= rules.rebooking_limit:
        raise NotPossible(
            f"This person has been moved {booking.rebook_count} time(s), the force's limit; "
            "they keep their current session."
        )
    participant = await _participant(session, booking.referral_id)
    seat = await seats.take_earliest(
        session,
        seeker_of(participant),
        after=max(participant.earliest_start, now),
        exclude=current.id,
    )
    if seat is None:
        raise NotPossible(
            "No other suitable session has room; the person keeps their current session."
        )
    await _cancel(session, booking, now=now)
    moved = await _book(
        session, participant, seat, now=now, rebook_count=booking.rebook_count + 1, rebooking=True
    )
    await fill_waiting_list(session, force_id=booking.force_id, pathway=current.pathway, now=now)
    return moved


async def attended(
    session: AsyncSession, booking: Booking, seat: Session, *, now: datetime
) -> None:
    """The person came: the intervention is complete (its events staged once, here)."""
    participant = await _participant(session, booking.referral_id)
    booking.status = BookingStatus.attended
    booking.updated_at = now
    participant.status = ParticipantStatus.completed
    participant.updated_at = now
    await reminders.cancel_pending(session, booking_id=booking.id, now=now)
    await reminder_contact.close(session, referral_id=booking.referral_id, now=now)
    await publish(
        session,
        referral_id=booking.referral_id,
        force_id=booking.force_id,
        data=SessionAttended(
            referral_id=booking.referral_id, booking_id=booking.id, session_id=seat.id, at=now
        ),
    )
    await publish(
        session,
        referral_id=booking.referral_id,
        force_id=booking.force_id,
        data=InterventionCompleted(
            referral_id=booking.referral_id, completed_at=now, course_type=seat.pathway
        ),
    )
    await session.flush()


async def missed(
    session: AsyncSession, booking: Booking, seat: Session, *, now: datetime
) -> Booking | None:
    """The person did not come: offer the next suitable session before the force's deadline
    (the new booking), or, when none is left, they did not engage (None)."""
    participant = await _participant(session, booking.referral_id)
    booking.status = BookingStatus.missed
    booking.updated_at = now
    await reminders.cancel_pending(session, booking_id=booking.id, now=now)
    participant.sessions_missed += 1
    participant.updated_at = now
    await publish(
        session,
        referral_id=booking.referral_id,
        force_id=booking.force_id,
        data=SessionMissed(
            referral_id=booking.referral_id, booking_id=booking.id, session_id=seat.id, at=now
        ),
    )
    if now < participant.engagement_deadline:
        offer = await seats.take_earliest(
            session,
            seeker_of(participant),
            after=max(participant.earliest_start, now),
            before=participant.engagement_deadline,
        )
        if offer is not None:
            return await _book(
                session,
                participant,
                offer,
                now=now,
                rebook_count=booking.rebook_count,
                rebooking=True,
            )
    participant.status = ParticipantStatus.not_engaged
    await reminder_contact.close(session, referral_id=booking.referral_id, now=now)
    await publish(
        session,
        referral_id=booking.referral_id,
        force_id=booking.force_id,
        data=InterventionNotEngaged(
            referral_id=booking.referral_id, at=now, sessions_missed=participant.sessions_missed
        ),
    )
    await session.flush()
    return None
