"""Sessions as iCalendar: the file parses with `icalendar`, keeps 18:30 in London on both sides
of the end of British Summer Time (Sunday 25 October 2026), names no one, and a facilitator's
feed holds their own sessions from 30 days ago onward. Who may take which calendar, and the
errors, which stay problem+json."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from icalendar import Calendar, Event
from sqlalchemy import update

from scheduling_api.dependencies import clock
from scheduling_api.sessions.models import Session

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db

FACILITATOR = "facilitator-ade"  # the desk's facilitator
FEED = f"/v1/calendars/facilitators/{FACILITATOR}.ics"
COLLEAGUE = "facilitator-bea"
# The Thursdays either side of the clocks going back: 18:30 BST is 17:30Z, 18:30 GMT is 18:30Z
BEFORE = datetime(2026, 10, 22, 17, 30, tzinfo=UTC)
AFTER = datetime(2026, 10, 29, 18, 30, tzinfo=UTC)
NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


def set_clock(desk: Desk, at: datetime) -> None:
    async def fixed() -> datetime:
        return at

    desk.app.dependency_overrides[clock] = fixed


async def place(desk: Desk, session_id: str, at: datetime) -> None:
    """Put a session at a time of the test's choosing (the API takes only future starts)."""
    async with desk.runtime.db.session() as session:
        await session.execute(
            update(Session).where(Session.id == uuid.UUID(session_id)).values(starts_at=at)
        )
        await session.commit()


async def session_at(desk: Desk, course: str, at: datetime, **fields: Any) -> dict[str, Any]:
    seat = await desk.session(course, **fields)
    await place(desk, seat["id"], at)
    return seat


async def calendar(desk: Desk, url: str, headers: dict[str, str] | None = None) -> Calendar:
    response = await desk.client.get(url, headers=headers or desk.facilitator)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(cal: Calendar) -> list[Event]:
    return list(cal.walk("VEVENT"))


async def test_london_time_holds_across_the_end_of_summer_time(desk: Desk) -> None:
    course = await desk.course()
    before = await session_at(desk, course, BEFORE)
    after = await session_at(desk, course, AFTER)
    set_clock(desk, NOW)

    response = await desk.client.get(FEED, headers=desk.facilitator)
    text = response.text.replace("\r\n", "\n")
    assert "DTSTART;TZID=Europe/London:20261022T183000\n" in text
    assert "DTSTART;TZID=Europe/London:20261029T183000\n" in text

    cal = Calendar.from_ical(response.content)
    [london] = cal.walk("VTIMEZONE")
    assert london["TZID"] == "Europe/London"
    assert {c.name for c in london.subcomponents} == {"STANDARD", "DAYLIGHT"}
    assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")
    # the zone as the file itself describes it, not as this machine knows it
    zone = london.to_tz()
    assert zone.utcoffset(datetime(2026, 10, 22, 18, 30)) == timedelta(hours=1)
    assert zone.utcoffset(datetime(2026, 10, 29, 18, 30)) == timedelta(0)

    starts = {str(e["UID"]).split("@")[0]: e for e in events(cal)}
    for seat, instant in ((before, BEFORE), (after, AFTER)):
        event = starts[seat["id"]]
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event.start.strftime("%H:%M") == "18:30"
        assert event.start.astimezone(UTC) == instant
        assert event.end - event.start == timedelta(minutes=150)
        assert event["DTEND"].params["TZID"] == "Europe/London"


async def test_an_event_says_what_when_and_where_and_names_no_one(desk: Desk) -> None:
    course = await desk.course()
    online = await desk.session(course, capacity=10, language="pl")
    referral_id = await desk.assessed(preferred_language="pl")  # takes a seat on it
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    await place(desk, online["id"], BEFORE)
    venue = await session_at(
        desk,
        course,
        AFTER,
        delivery_mode="venue",
        join_link=None,
        venue="Riverside Centre, Room 2",
        interpreter_available=True,
    )
    set_clock(desk, NOW)

    response = await desk.client.get(f"/v1/sessions/{online['id']}.ics", headers=desk.facilitator)
    assert str(referral_id) not in response.text and str(booking.id) not in response.text
    cal = Calendar.from_ical(response.content)
    assert cal["VERSION"] == "2.0"
    assert cal["PRODID"] == "-//Diversion//scheduling-api//EN"
    assert cal["CALSCALE"] == "GREGORIAN"
    assert cal["METHOD"] == "PUBLISH"
    [event] = events(cal)
    assert event["UID"] == f"{online['id']}@sessions.diversion"
    assert event["SUMMARY"] == "cannabis_group course"
    assert event["LOCATION"] == event["URL"] == "https://meet.example.org/cannabis-group"
    assert event["DESCRIPTION"].splitlines()[:2] == ["1 of 10 seats booked.", "Language: pl."]
    assert event.stamp == NOW
    assert event["SEQUENCE"] == 0

    feed = await calendar(desk, FEED)
    by_uid = {str(e["UID"]): e for e in events(feed)}
    assert set(by_uid) == {
        f"{online['id']}@sessions.diversion",
        f"{venue['id']}@sessions.diversion",
    }
    at_venue = by_uid[f"{venue['id']}@sessions.diversion"]
    assert at_venue["LOCATION"] == "Riverside Centre, Room 2"
    assert "URL" not in at_venue
    assert "An interpreter joins." in at_venue["DESCRIPTION"]


async def test_the_feed_holds_that_facilitators_sessions_from_30_days_ago(desk: Desk) -> None:
    course = await desk.course()
    await session_at(desk, course, NOW - timedelta(days=31))
    recent = await session_at(desk, course, NOW - timedelta(days=29))
    coming = await session_at(desk, course, NOW + timedelta(days=200))
    colleague = desk.auth("facilitator", sub=COLLEAGUE)
    theirs = await session_at(desk, course, NOW + timedelta(days=1), headers=colleague)
    elsewhere = desk.auth("admin", forces=("northshire",), sub="admin-n")
    other_course = await desk.course(headers=elsewhere)
    await session_at(
        desk, other_course, NOW + timedelta(days=2), headers=elsewhere, facilitator_id=FACILITATOR
    )
    set_clock(desk, NOW)

    ours = [str(e["UID"]).split("@")[0] for e in events(await calendar(desk, FEED))]
    assert ours == [recent["id"], coming["id"]]
    as_admin = await calendar(desk, FEED, desk.admin)
    assert [str(e["UID"]).split("@")[0] for e in events(as_admin)] == ours
    their_feed = await calendar(desk, f"/v1/calendars/facilitators/{COLLEAGUE}.ics", colleague)
    assert [str(e["UID"]).split("@")[0] for e in events(their_feed)] == [theirs["id"]]


async def test_a_facilitator_without_sessions_has_an_empty_calendar(desk: Desk) -> None:
    newcomer = desk.auth("facilitator", sub="facilitator-new")
    cal = await calendar(desk, "/v1/calendars/facilitators/facilitator-new.ics", newcomer)
    assert events(cal) == []
    assert len(cal.walk("VTIMEZONE")) == 1


async def test_only_that_facilitator_or_their_forces_administrators_take_it(desk: Desk) -> None:
    course = await desk.course()
    seat = await desk.session(course)
    colleague = desk.auth("facilitator", sub=COLLEAGUE)
    outsider = desk.auth("admin", forces=("northshire",))

    refused = await desk.client.get(FEED, headers=colleague)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"].startswith("A facilitator takes only their own calendar")
    for url, headers in (
        (f"/v1/sessions/{seat['id']}.ics", colleague),
        (f"/v1/sessions/{seat['id']}.ics", outsider),
        (FEED, outsider),
        ("/v1/calendars/facilitators/nobody-here.ics", desk.admin),
        (f"/v1/sessions/{uuid.uuid4()}.ics", desk.facilitator),
    ):
        response = await desk.client.get(url, headers=headers)
        assert response.status_code == 404, (url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "that you can see" in response.json()["detail"]
    assert len(events(await calendar(desk, f"/v1/sessions/{seat['id']}.ics", desk.admin))) == 1


async def test_a_calendar_path_is_never_read_as_a_session_id(desk: Desk) -> None:
    # the calendar routes are added after the timetable's: the order must not matter
    course = await desk.course()
    seat = await desk.session(course)
    url = f"/v1/sessions/{seat['id']}.ics"
    changed = await desk.client.patch(url, json={"capacity": 3}, headers=desk.facilitator)
    assert changed.status_code == 405
    assert changed.headers["content-type"] == "application/problem+json"
    assert await desk.seats(seat["id"]) == (0, 10)
    as_json = await desk.client.get(f"/v1/sessions/{seat['id']}", headers=desk.facilitator)
    assert as_json.json()["id"] == seat["id"]
    malformed = await desk.client.get("/v1/sessions/not-an-id.ics", headers=desk.facilitator)
    assert malformed.status_code == 422
    assert malformed.headers["content-type"] == "application/problem+json"
    assert malformed.json()["errors"][0]["field"] == "session_id"
