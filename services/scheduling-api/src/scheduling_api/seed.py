"""Seed the demonstration force `demo`: its courses, its scheduling rules, a month of group
sessions from tomorrow, and a month of one-to-one availability (weekday afternoons, published
as a facilitator publishes it, so the one-to-ones are its appointments), all run by the
facilitator the development token signs in as (`make -s token ROLE=facilitator FORCE=demo`:
subject `demo-facilitator-1`), and placeholder GOV.UK Notify template ids for its reminders (a
real deployment puts its own in their place).

    python -m scheduling_api.seed        (uses SCHEDULING_DATABASE_URL)

Safe to run again: courses, rules, sessions and windows have ids derived from what they are, so
those already there are left as they are (and a later run adds the days since).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import Pathway
from scheduling_api.availability import service as availability
from scheduling_api.availability.models import AvailabilityWindow
from scheduling_api.courses.models import (
    DEFAULT_ENGAGEMENT_DAYS,
    DEFAULT_LEAD_TIME_HOURS,
    DEFAULT_REBOOKING_LIMIT,
    CourseType,
    ForceSettings,
)
from scheduling_api.reminders.models import Channel, NotifyTemplate, ReminderKind
from scheduling_api.sessions.models import DeliveryMode, Session
from scheduling_api.times import LONDON
from servicekit.db import Database

DEMO_FORCE = "demo"
DEMO_FACILITATOR = "demo-facilitator-1"
SEED_NAMESPACE = uuid.UUID("7d4f5c1e-3b0a-4e65-9a57-5c1de0a8b201")

# pathway -> name, minutes, weekday (Monday 0) and London start time of its weekly session, seats
# (the one-to-one's weekday and seats are unused: its appointments come from availability)
COURSES: dict[Pathway, tuple[str, int, int, time, int]] = {
    Pathway.cannabis_group: ("Cannabis awareness group", 150, 1, time(18, 30), 12),
    Pathway.cocaine_group: ("Cocaine awareness group", 150, 2, time(18, 30), 12),
    Pathway.nitrous_oxide_group: ("Nitrous oxide awareness group", 120, 3, time(17, 0), 12),
    Pathway.general_group: ("Drugs and alcohol awareness group", 180, 5, time(10, 0), 15),
    Pathway.one_to_one: ("One-to-one session", 60, 0, time(14, 0), 1),
}
DAYS = 28
# The facilitator's published one-to-one hours: weekday afternoons, two hour-long appointments.
AVAILABILITY = (time(14, 0), time(16, 0))
# The demonstration force aims to seat everyone within ten days (the default is 14).
DEMO_TARGET_WAIT_DAYS = 10


def course_id(force_id: str, pathway: Pathway) -> uuid.UUID:
    return uuid.uuid5(SEED_NAMESPACE, f"{force_id}/course/{pathway.value}")


def session_id(force_id: str, pathway: Pathway, day: date, slot: int) -> uuid.UUID:
    return uuid.uuid5(SEED_NAMESPACE, f"{force_id}/session/{pathway.value}/{day}/{slot}")


def window_id(force_id: str, day: date) -> uuid.UUID:
    return uuid.uuid5(SEED_NAMESPACE, f"{force_id}/availability/{day}")


async def seed_courses(session: AsyncSession, force_id: str, now: datetime) -> None:
    if await session.get(ForceSettings, force_id) is None:
        session.add(
            ForceSettings(
                force_id=force_id,
                lead_time_hours=DEFAULT_LEAD_TIME_HOURS,
                rebooking_limit=DEFAULT_REBOOKING_LIMIT,
                engagement_days=DEFAULT_ENGAGEMENT_DAYS,
                target_wait_days=DEMO_TARGET_WAIT_DAYS,
                updated_at=now,
            )
        )
    for pathway, (name, minutes, *_) in COURSES.items():
        if await session.get(CourseType, course_id(force_id, pathway)) is None:
            session.add(
                CourseType(
                    id=course_id(force_id, pathway),
                    force_id=force_id,
                    pathway=pathway,
                    name=name,
                    duration_minutes=minutes,
                    created_at=now,
                )
            )
    await session.flush()


async def seed_sessions(session: AsyncSession, force_id: str, now: datetime) -> None:
    """A month of group sessions, each weekly (online; the general group at a venue)."""
    today = now.astimezone(LONDON).date()
    for offset in range(1, DAYS + 1):
        day = today + timedelta(days=offset)
        for pathway, (_, minutes, weekday, start, seats) in COURSES.items():
            if pathway is Pathway.one_to_one or day.weekday() != weekday:
                continue
            ident = session_id(force_id, pathway, day, 0)
            if await session.get(Session, ident) is not None:
                continue
            at_venue = pathway is Pathway.general_group
            session.add(
                Session(
                    id=ident,
                    force_id=force_id,
                    course_type_id=course_id(force_id, pathway),
                    pathway=pathway,
                    starts_at=datetime.combine(day, start, LONDON).astimezone(UTC),
                    duration_minutes=minutes,
                    facilitator_id=DEMO_FACILITATOR,
                    capacity=seats,
                    booked=0,
                    delivery_mode=DeliveryMode.venue if at_venue else DeliveryMode.online,
                    join_link=None
                    if at_venue
                    else f"https://meet.example.org/demo-{pathway.value.replace('_', '-')}",
                    venue="Demonstration Community Centre, 1 High Street" if at_venue else None,
                    language=None,
                    interpreter_available=False,
                    created_at=now,
                )
            )
    await session.flush()


async def seed_availability(session: AsyncSession, force_id: str, now: datetime) -> None:
    """A month of the facilitator's one-to-one availability on weekday afternoons, published as
    they would publish it, so people waiting for a one-to-one are seated at once."""
    today = now.astimezone(LONDON).date()
    opens, closes = AVAILABILITY
    for offset in range(1, DAYS + 1):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        if await session.get(AvailabilityWindow, window_id(force_id, day)) is not None:
            continue
        try:
            await availability.publish(
                session,
                force_id=force_id,
                facilitator_id=DEMO_FACILITATOR,
                day=day,
                from_time=opens,
                to_time=closes,
                minutes=None,
                delivery=availability.Delivery(
                    mode=DeliveryMode.online,
                    join_link="https://meet.example.org/demo-one-to-one",
                    venue=None,
                    language=None,
                    interpreter_available=False,
                ),
                forces=[force_id],
                now=now,
                window_id=window_id(force_id, day),
            )
        except availability.Clash:
            continue  # a database seeded before availability: its one-to-one stays as it was


async def seed_notify_templates(session: AsyncSession, force_id: str, now: datetime) -> None:
    """Placeholder template ids, one per channel and kind: Notify answers 400 for them, so
    reminders sent through a real Notify key fail visibly until the force's own are set."""
    for channel in Channel:
        for kind in ReminderKind:
            if await session.get(NotifyTemplate, (force_id, channel, kind)) is None:
                session.add(
                    NotifyTemplate(
                        force_id=force_id,
                        channel=channel,
                        kind=kind,
                        template_id=str(
                            uuid.uuid5(SEED_NAMESPACE, f"{force_id}/notify/{channel}/{kind}")
                        ),
                        updated_at=now,
                    )
                )
    await session.flush()


async def seed(database_url: str) -> None:
    db = Database(database_url)
    now = datetime.now(UTC)
    try:
        async with db.session() as session:
            await seed_courses(session, DEMO_FORCE, now)
            await seed_sessions(session, DEMO_FORCE, now)
            await seed_availability(session, DEMO_FORCE, now)
            await seed_notify_templates(session, DEMO_FORCE, now)
            await session.commit()
    finally:
        await db.dispose()


def main() -> None:
    import os

    asyncio.run(seed(os.environ["SCHEDULING_DATABASE_URL"]))


if __name__ == "__main__":
    main()
