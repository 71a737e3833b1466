"""Reminders through GOV.UK Notify: the real `notifications-python-client` against a local
server that answers as Notify's API does and checks the client's signed token."""

from __future__ import annotations

import logging
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from scheduling_api.main import notifier_for
from scheduling_api.reminders.models import Channel, NotifyTemplate, ReminderKind
from scheduling_api.reminders.notifier import RecordingNotifier
from scheduling_api.reminders.notify import NotifyNotifier

if TYPE_CHECKING:
    from conftest import Desk
    from reminders.conftest import Reminders

from .conftest import EMAIL, PHONE, contact
from .fake_notify import API_KEY, SECRET

pytestmark = pytest.mark.db

TEMPLATES = {
    (channel, kind): str(uuid.uuid5(uuid.NAMESPACE_URL, f"template/{channel}/{kind}"))
    for channel in Channel
    for kind in ReminderKind
}


async def with_templates(desk: Desk, force_id: str = "demo") -> None:
    async with desk.runtime.db.session() as session:
        for (channel, kind), template_id in TEMPLATES.items():
            session.add(
                NotifyTemplate(
                    force_id=force_id,
                    channel=channel,
                    kind=kind,
                    template_id=template_id,
                    updated_at=datetime.now(UTC),
                )
            )
        await session.commit()


def notify(desk: Desk, fake: Any, api_key: str = API_KEY) -> NotifyNotifier:
    return NotifyNotifier(desk.runtime.db, api_key=api_key, base_url=fake.url, timeout=5)


async def booked(desk: Desk, reminders: Reminders, **contact_fields: Any) -> uuid.UUID:
    course = await desk.course()
    await desk.session(course, in_days=3)
    await with_templates(desk)
    return await reminders.assessed(contact(**contact_fields))


def soon() -> datetime:
    """Just after now: the reminder of a booking made now is due."""
    return datetime.now(UTC) + timedelta(seconds=1)


async def test_a_reminder_goes_by_sms_through_notify(
    desk: Desk, reminders: Reminders, fake_notify: Any
) -> None:
    referral_id = await booked(desk, reminders)
    now = soon()
    result = await reminders.sender(notify(desk, fake_notify)).run_once(now)

    assert len(result.sent) == 1
    [sent] = fake_notify.sent()
    reminder = await reminders.one(referral_id, ReminderKind.booked)
    assert sent["reference"] == str(reminder.id)
    assert sent["phone_number"] == PHONE
    assert sent["template"]["id"] == TEMPLATES[("sms", "booked")]
    assert sent["personalisation"]["given_name"] == "Jordanna"
    assert sent["personalisation"]["course_name"] == "cannabis_group course"
    assert (
        sent["personalisation"]["where"] == "Join online: https://meet.example.org/cannabis-group"
    )
    assert set(sent["personalisation"]) == {"given_name", "course_name", "date", "time", "where"}
    assert reminder.provider_id == sent["id"]
    assert fake_notify.auth_failures == []
    assert await reminders.recorded() == []


async def test_a_reminder_goes_by_email_when_no_phone_is_known(
    desk: Desk, reminders: Reminders, fake_notify: Any
) -> None:
    await booked(desk, reminders, phone=None)
    now = soon()
    await reminders.sender(notify(desk, fake_notify)).run_once(now)
    [sent] = fake_notify.sent()
    assert (sent["type"], sent["email_address"]) == ("email", EMAIL)
    assert sent["template"]["id"] == TEMPLATES[("email", "booked")]


async def test_a_token_signed_with_the_wrong_secret_is_refused_and_fails_for_good(
    desk: Desk, reminders: Reminders, fake_notify: Any
) -> None:
    referral_id = await booked(desk, reminders)
    now = soon()
    wrong = API_KEY.replace(SECRET, str(uuid.uuid4()))
    result = await reminders.sender(notify(desk, fake_notify, wrong)).run_once(now)

    assert len(result.failed) == 1
    assert fake_notify.auth_failures == ["Invalid token: API key not found"]
    assert fake_notify.sent() == []
    failed = await reminders.one(referral_id, ReminderKind.booked)
    assert failed.status == "failed"
    assert failed.last_error == (
        "GOV.UK Notify answered 403: AuthError: Invalid token: API key not found"
    )


async def test_a_stale_token_is_refused_as_notify_refuses_it(
    desk: Desk, reminders: Reminders, fake_notify: Any
) -> None:
    referral_id = await booked(desk, reminders)
    now = soon()
    fake_notify.clock_ahead_seconds = 45
    await reminders.sender(notify(desk, fake_notify)).run_once(now)
    assert fake_notify.auth_failures == [
        "Error: Your system clock must be accurate to within 30 seconds"
    ]
    assert (await reminders.one(referral_id, ReminderKind.booked)).status == "failed"


async def test_rate_limits_and_server_errors_are_retried_then_sent_once(
    desk: Desk, reminders: Reminders, fake_notify: Any
) -> None:
    referral_id = await booked(desk, reminders)
    now = soon()
    fake_notify.fail_next(429)
    fake_notify.fail_next(500)
    sender = reminders.sender(notify(desk, fake_notify), retry_seconds=60)

    assert len((await sender.run_once(now)).retrying) == 1
    first = await reminders.one(referral_id, ReminderKind.booked)
    assert first.last_error is not None and first.last_error.startswith(
        "GOV.UK Notify answered 429: RateLimitError"
    )
    assert len((await sender.run_once(now + timedelta(seconds=60))).retrying) == 1
    assert len((await sender.run_once(now + timedelta(seconds=180))).sent) == 1

    assert len(fake_notify.sent()) == 1
    assert fake_notify.posts == 3
    sent = await reminders.one(referral_id, ReminderKind.booked)
    assert (sent.status, sent.attempts) == ("sent", 3)


async def test_a_bad_request_fails_at_once_and_is_listed_as_failed(
    desk: Desk, reminders: Reminders, fake_notify: Any
) -> None:
    await booked(desk, reminders)
    now = soon()
    fake_notify.fail_always = 400
    result = await reminders.sender(notify(desk, fake_notify)).run_once(now)
    assert len(result.failed) == 1
    assert fake_notify.posts == 1

    listed = await desk.client.get("/v1/reminders?status=failed", headers=desk.admin)
    [item] = listed.json()["items"]
    assert item["last_error"] == "GOV.UK Notify answered 400: BadRequestError: Template not found"


async def test_server_errors_every_time_end_in_failed_after_the_last_attempt(
    desk: Desk, reminders: Reminders, fake_notify: Any
) -> None:
    referral_id = await booked(desk, reminders)
    now = soon()
    fake_notify.fail_always = 500
    sender = reminders.sender(notify(desk, fake_notify), max_attempts=3, retry_seconds=60)
    for wait in (0, 60, 180):
        await sender.run_once(now + timedelta(seconds=wait))
    failed = await reminders.one(referral_id, ReminderKind.booked)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert fake_notify.posts == 3


async def test_notify_not_answering_is_temporary(desk: Desk, reminders: Reminders) -> None:
    referral_id = await booked(desk, reminders)
    now = soon()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    notifier = NotifyNotifier(
        desk.runtime.db, api_key=API_KEY, base_url=f"http://127.0.0.1:{port}", timeout=2
    )
    assert len((await reminders.sender(notifier).run_once(now)).retrying) == 1
    assert (await reminders.one(referral_id, ReminderKind.booked)).status == "pending"


async def test_a_force_without_templates_fails_saying_what_to_add(
    desk: Desk, reminders: Reminders, fake_notify: Any
) -> None:
    course = await desk.course()
    await desk.session(course, in_days=3)
    referral_id = await reminders.assessed()
    now = soon()
    await reminders.sender(notify(desk, fake_notify)).run_once(now)
    failed = await reminders.one(referral_id, ReminderKind.booked)
    assert failed.status == "failed"
    assert failed.last_error == (
        "Force demo has no GOV.UK Notify template for sms 'booked' reminders: add one to its "
        "notify_templates, then retry."
    )
    assert fake_notify.posts == 0


async def test_a_takeover_after_notify_took_the_message_sends_nothing_twice(
    desk: Desk, reminders: Reminders, fake_notify: Any
) -> None:
    referral_id = await booked(desk, reminders)
    now = soon()
    reminder = await reminders.one(referral_id, ReminderKind.booked)
    dead = reminders.sender(notify(desk, fake_notify), lease_seconds=300)
    claim = await dead.claim(reminder.id, reminder.status, now)
    assert claim is not None
    provider_id = await dead.deliver(claim, now)  # Notify has it; the process dies here

    restarted = reminders.sender(notify(desk, fake_notify), lease_seconds=300)
    assert (await restarted.run_once(now + timedelta(minutes=1))).sent == []
    assert (await restarted.run_once(now + timedelta(minutes=5))).sent == [reminder.id]
    assert fake_notify.posts == 1
    sent = await reminders.one(referral_id, ReminderKind.booked)
    assert (sent.status, sent.provider_id) == ("sent", provider_id)


async def test_a_takeover_before_notify_took_it_sends_it(
    desk: Desk, reminders: Reminders, fake_notify: Any
) -> None:
    referral_id = await booked(desk, reminders)
    now = soon()
    reminder = await reminders.one(referral_id, ReminderKind.booked)
    dead = reminders.sender(notify(desk, fake_notify))
    assert await dead.claim(reminder.id, reminder.status, now) is not None
    restarted = reminders.sender(notify(desk, fake_notify))
    assert (await restarted.run_once(now + timedelta(minutes=5))).sent == [reminder.id]
    assert len(fake_notify.sent(str(reminder.id))) == 1


def test_notify_is_used_when_its_key_is_set(desk: Desk) -> None:
    settings = desk.runtime.settings
    assert isinstance(notifier_for(settings, desk.runtime.db), RecordingNotifier)
    unset = type(settings).model_validate({**settings.model_dump(), "notify_api_key": ""})
    assert isinstance(notifier_for(unset, desk.runtime.db), RecordingNotifier)
    configured = type(settings).model_validate({**settings.model_dump(), "notify_api_key": API_KEY})
    chosen = notifier_for(configured, desk.runtime.db)
    assert isinstance(chosen, NotifyNotifier)
    assert chosen.base_url == "https://api.notifications.service.gov.uk"


async def test_a_failure_quoting_the_recipient_keeps_them_out_of_the_reason_and_the_log(
    desk: Desk, reminders: Reminders, fake_notify: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    referral_id = await booked(desk, reminders)
    now = soon()
    fake_notify.fail_next(400, message=f"phone_number {PHONE} is not a UK mobile number")
    await reminders.sender(notify(desk, fake_notify)).run_once(now)
    failed = await reminders.one(referral_id, ReminderKind.booked)
    assert failed.last_error == (
        "GOV.UK Notify answered 400: BadRequestError: phone_number [recipient] is not a UK "
        "mobile number"
    )
    assert any("[recipient]" in r.getMessage() for r in caplog.records)
    assert not [r.getMessage() for r in caplog.records if PHONE in r.getMessage()]


def test_the_sender_runs_with_the_service(desk: Desk) -> None:
    from scheduling_api.reminders.sender import ReminderSender

    sender = desk.runtime.component(ReminderSender)
    assert isinstance(sender.notifier, RecordingNotifier)
    assert sender.periodic.every_seconds == 30
    assert (sender.lease.total_seconds(), sender.max_attempts) == (300, 5)
