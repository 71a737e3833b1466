"""Which reminders a booking gets, written in the booking's own transaction, and their
cancellation when the booking stops needing them.

Kinds: `booked` (at once), `day_before` (the start less 24 hours) and `hour_before` (the start
less one hour); a kind already past when the booking is made is skipped. The channel is SMS when
a phone is known, else email: a text is read within minutes, wherever the person is, which is
what an hour's notice needs.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling_api.reminders import contact as contacts
from scheduling_api.reminders.models import Channel, Reminder, ReminderKind, ReminderStatus

BEFORE_START = {
    ReminderKind.day_before: timedelta(hours=24),
    ReminderKind.hour_before: timedelta(hours=1),
}


def due_times(starts_at: datetime, now: datetime) -> dict[ReminderKind, datetime]:
    """When each kind of reminder of a session starting at `starts_at` is due, booked at
    `now`; kinds already past are left out."""
    due = {ReminderKind.booked: now}
    for kind, ahead in BEFORE_START.items():
        at = starts_at - ahead
        if at > now:
            due[kind] = at
    return due


async def on_booking(
    session: AsyncSession,
    *,
    booking_id: uuid.UUID,
    referral_id: uuid.UUID,
    force_id: str,
    session_id: uuid.UUID,
    starts_at: datetime,
    now: datetime,
) -> list[Reminder]:
    """Schedule the booking's reminders; none when the person has no contact kept."""
    contact = await contacts.contact_of(session, referral_id)
    if contact is None:
        return []
    channel = Channel.sms if contact.phone else Channel.email
    reminders = [
        Reminder(
            id=uuid.uuid4(),
            force_id=force_id,
            referral_id=referral_id,
            booking_id=booking_id,
            session_id=session_id,
            kind=kind,
            channel=channel,
            due_at=at,
            status=ReminderStatus.pending,
            next_attempt_at=at,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        for kind, at in due_times(starts_at, now).items()
    ]
    session.add_all(reminders)
    await session.flush()
    return reminders


async def cancel_pending(session: AsyncSession, *, booking_id: uuid.UUID, now: datetime) -> None:
    """The booking was cancelled, moved, attended or missed: its reminders not yet claimed will
    not go, and a failed one is no longer worth retrying (its last error stays readable). One
    being sent at this moment finishes."""
    await session.execute(
        update(Reminder)
        .where(
            Reminder.booking_id == booking_id,
            Reminder.status.in_((ReminderStatus.pending, ReminderStatus.failed)),
        )
        .values(status=ReminderStatus.cancelled, updated_at=now)
        .execution_options(synchronize_session=False)
    )
