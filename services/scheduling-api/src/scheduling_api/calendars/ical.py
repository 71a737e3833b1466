"""Sessions as iCalendar (RFC 5545), for the calendar app a facilitator already uses.

Times are written in Europe/London with a TZID and a VTIMEZONE built from the zone data, not in
UTC: a weekly 18:30 session stays at 18:30 on both sides of the clocks changing, and a calendar
app shows it at the time the facilitator agreed to, wherever their device thinks it is.

Nothing here names a person. An event says what the session is, when and where, and how many
seats are taken; who is booked (referral ids) is not written, and this module is given only
sessions and course names, never bookings.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, Timezone

from scheduling_api.sessions.models import DeliveryMode, Session
from scheduling_api.times import LONDON, in_london

MEDIA_TYPE = "text/calendar"
PRODID = "-//Diversion//scheduling-api//EN"
# A session's UID is its id at this fixed name, the same in every calendar it is written to (the
# single session and the feed), so a calendar app that has both keeps one event, not two.
UID_DOMAIN = "sessions.diversion"
TZID = "Europe/London"
# How often a subscribed calendar app should fetch the feed again (RFC 7986 REFRESH-INTERVAL).
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class Entry:
    """A session, with the name of its course for the event's title."""

    session: Session
    course_name: str


def uid_of(session_id: uuid.UUID) -> str:
    return f"{session_id}@{UID_DOMAIN}"


def ends_at(session: Session) -> datetime:
    return session.starts_at + timedelta(minutes=session.duration_minutes)


def description_of(session: Session) -> str:
    """What a facilitator wants at a glance: seats taken, the language, how to join."""
    lines = [f"{session.booked} of {session.capacity} seats booked."]
    lines.append(f"Language: {session.language or 'any'}.")
    if session.interpreter_available:
        lines.append("An interpreter joins.")
    if session.delivery_mode is DeliveryMode.online and session.join_link:
        lines.append(f"Join online: {session.join_link}")
    return "\n".join(lines)


def event_of(entry: Entry, *, now: datetime) -> Event:
    session = entry.session
    online = session.delivery_mode is DeliveryMode.online
    return Event.new(
        uid=uid_of(session.id),
        stamp=now,
        created=session.created_at,
        # A session's time and place cannot be changed yet, so every event is its first
        # version; once they can, SEQUENCE must count the changes.
        sequence=0,
        start=in_london(session.starts_at),
        end=in_london(ends_at(session)),
        summary=entry.course_name,
        location=session.join_link if online else session.venue,
        url=session.join_link if online else None,
        description=description_of(session),
    )


def london_timezone(entries: Sequence[Entry], *, now: datetime) -> Timezone:
    """Europe/London as a VTIMEZONE, from the zone data, over the whole years the sessions
    fall in (the current year when there are none), so its rules cover every event."""
    starts = [e.session.starts_at for e in entries] or [now]
    ends = [ends_at(e.session) for e in entries] or [now]
    first = in_london(min(starts)).year
    last = in_london(max(ends)).year
    return Timezone.from_tzinfo(
        LONDON, tzid=TZID, first_date=date(first, 1, 1), last_date=date(last + 1, 1, 1)
    )


def calendar_of(
    entries: Sequence[Entry], *, name: str, calendar_id: uuid.UUID, now: datetime
) -> bytes:
    """The sessions as a published VCALENDAR, its VTIMEZONE first."""
    calendar = Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        method="PUBLISH",
        name=name,
        uid=calendar_id,
    )
    # How often a subscribed app fetches it again: RFC 7986's way, and Outlook's
    calendar.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", REFRESH)
    # The calendar's own zone, for apps that read it rather than the VTIMEZONE
    calendar.add("X-WR-TIMEZONE", TZID)
    calendar.add_component(london_timezone(entries, now=now))
    for entry in entries:
        calendar.add_component(event_of(entry, now=now))
    written: bytes = calendar.to_ical()
    return written
