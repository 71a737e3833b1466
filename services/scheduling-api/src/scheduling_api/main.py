"""scheduling-api: create_app() wires routers, errors, the outbox relay and the consumers of
assessment and referral events."""

from __future__ import annotations

from fastapi import FastAPI

from scheduling_api.availability.router import router as availability_router
from scheduling_api.bookings.consumers import SchedulingHandlers
from scheduling_api.bookings.router import router as booking_router
from scheduling_api.calendars.router import router as calendar_router
from scheduling_api.capacity.router import router as capacity_router
from scheduling_api.config import Settings
from scheduling_api.courses.router import router as course_router
from scheduling_api.db import kit
from scheduling_api.reminders.notifier import Notifier, RecordingNotifier
from scheduling_api.reminders.notify import NotifyNotifier
from scheduling_api.reminders.router import router as reminder_router
from scheduling_api.reminders.sender import ReminderSender
from scheduling_api.timetable.router import router as timetable_router
from servicekit.app import ServiceRuntime, build_app
from servicekit.db import Database
from servicekit.logs import configure_logging

PRODUCER = "scheduling-api"

DESCRIPTION = """Sessions for police drug diversion: each force's courses (one per pathway), the
sessions that run them (one-to-ones are appointments cut from facilitators' published
availability), and the bookings made from completed assessments: the earliest suitable session
with room, or the course's waiting list. Facilitators record attendance, which completes the
intervention or offers the next session until the force's deadline, see the sessions they have
left unmarked, and take their sessions as iCalendar. Reminders of each booking go by SMS or
email (GOV.UK Notify, or recorded for administrators to read). Every error is
`application/problem+json`; writes that may be retried take an optional `Idempotency-Key`."""


def notifier_for(settings: Settings, db: Database) -> Notifier:
    """GOV.UK Notify when its key is configured; else each message is recorded."""
    if settings.notify_api_key is None:
        return RecordingNotifier(db)
    return NotifyNotifier(
        db,
        api_key=settings.notify_api_key.get_secret_value(),
        base_url=settings.notify_base_url,
    )


def create_runtime(settings: Settings) -> ServiceRuntime:
    """The kit's runtime, consuming assessment and referral events, with the reminder sender
    beside it."""
    runtime = ServiceRuntime(
        settings, kit, producer=PRODUCER, subscriptions=SchedulingHandlers(settings).subscriptions()
    )
    runtime.add(
        ReminderSender(
            runtime.db,
            notifier_for(settings, runtime.db),
            interval_seconds=settings.reminder_send_seconds,
            lease_seconds=settings.reminder_lease_seconds,
            max_attempts=settings.reminder_max_attempts,
            retry_seconds=settings.reminder_retry_seconds,
        )
    )
    return runtime


def create_app(settings: Settings | None = None, *, start_background: bool = True) -> FastAPI:
    settings = settings or Settings()
    return build_app(
        create_runtime(settings),
        title="scheduling-api",
        version="1.0.0",
        description=DESCRIPTION,
        routers=[
            course_router,
            timetable_router,
            availability_router,
            booking_router,
            capacity_router,
            calendar_router,
            reminder_router,
        ],
        start_background=start_background,
    )


def app() -> FastAPI:
    """Factory for uvicorn: `uvicorn --factory scheduling_api.main:app`."""
    settings = Settings()
    configure_logging("scheduling-api", level=settings.log_level, json_logs=settings.json_logs)
    return create_app(settings)
