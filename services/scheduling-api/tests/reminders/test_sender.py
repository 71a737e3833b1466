"""The sender, on a controlled clock: each reminder goes once, at its time, however many
senders run and whenever one dies; temporary failures are retried with backoff, and what
cannot be sent is failed, visibly."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from scheduling_api.config import Settings
from scheduling_api.db import kit
from scheduling_api.reminders.message import Message
from scheduling_api.reminders.models import Channel, RecordedMessage, ReminderKind
from scheduling_api.reminders.notifier import (
    PermanentFailure,
    RecordingNotifier,
    TemporaryFailure,
)
from servicekit.db import Database

if TYPE_CHECKING:
    from conftest import Desk
    from reminders.conftest import Reminders

from .conftest import PHONE

pytestmark = pytest.mark.db


class Counting:
    """Records like the default notifier, counting the sends it was asked for."""

    def __init__(self, db: Database) -> None:
        self.inner = RecordingNotifier(db)
        self.sends: list[uuid.UUID] = []

    async def send(self, message: Message) -> str:
        self.sends.append(message.reference)
        await asyncio.sleep(0)  # let a racing sender in
        return await self.inner.send(message)

    async def find(self, reference: uuid.UUID) -> str | None:
        return await self.inner.find(reference)


class Failing:
    """Fails `times` sends with `failure`, then records."""

    def __init__(self, db: Database, failure: Exception, times: int = 10**6) -> None:
        self.inner = RecordingNotifier(db)
        self.failure = failure
        self.times = times
        self.calls = 0

    async def send(self, message: Message) -> str:
        self.calls += 1
        if self.calls <= self.times:
            raise self.failure
        return await self.inner.send(message)

    async def find(self, reference: uuid.UUID) -> str | None:
        return await self.inner.find(reference)


async def booked(
    desk: Desk, reminders: Reminders, in_days: float = 3, course: str | None = None
) -> tuple[uuid.UUID, datetime]:
    course = course or await desk.course()
    seat = await desk.session(course, in_days=in_days)
    referral_id = await reminders.assessed()
    return referral_id, datetime.fromisoformat(seat["starts_at"]).astimezone(UTC)


async def test_each_reminder_goes_at_its_time_once(desk: Desk, reminders: Reminders) -> None:
    referral_id, start = await booked(desk, reminders)
    sender = reminders.sender()
    now = datetime.now(UTC) + timedelta(seconds=1)

    first = await sender.run_once(now)
    assert len(first.sent) == 1
    assert (await reminders.one(referral_id, ReminderKind.booked)).status == "sent"
    assert (await sender.run_once(start - timedelta(hours=24, minutes=1))).sent == []
    assert len((await sender.run_once(start - timedelta(hours=24))).sent) == 1
    assert (await sender.run_once(start - timedelta(hours=2))).sent == []
    assert len((await sender.run_once(start - timedelta(hours=1))).sent) == 1
    assert (await sender.run_once(start + timedelta(days=1))).sent == []

    recorded = await reminders.recorded()
    assert len(recorded) == 3
    assert {m.recipient for m in recorded} == {PHONE}
    found = {r.id: r for r in await reminders.of(referral_id)}
    assert {r.status for r in found.values()} == {"sent"}
    assert all(r.attempts == 1 and r.provider_id for r in found.values())
    texts = {found[m.reminder_id].kind: m.text for m in recorded}
    assert texts["booked"].startswith("Hello Jordanna, you are booked on cannabis_group course on ")
    assert "Join online: https://meet.example.org/cannabis-group" in texts["booked"]
    assert "is tomorrow" in texts["day_before"]
    assert "starts in an hour" in texts["hour_before"]


def test_a_venue_session_says_where_to_go() -> None:
    from scheduling_api.reminders.message import Where, compose

    from .conftest import contact

    message = compose(
        reference=uuid.uuid4(),
        force_id="demo",
        kind=ReminderKind.day_before,
        channel=Channel.email,
        contact=contact(),
        course_name="Drugs and alcohol awareness group",
        starts_at=datetime(2026, 12, 12, 10, 0, tzinfo=UTC),
        where=Where(join_link=None, venue="Demonstration Community Centre, 1 High Street"),
    )
    assert message.recipient == "jordan.reminder@example.org"
    assert message.text == (
        "Hello Jordanna, a reminder: Drugs and alcohol awareness group is tomorrow, Saturday 12 "
        "December 2026, at 10am. Venue: Demonstration Community Centre, 1 High Street"
    )
    assert message.personalisation["where"] == (
        "Venue: Demonstration Community Centre, 1 High Street"
    )


def test_times_read_as_people_read_them_in_london() -> None:
    from scheduling_api.reminders.message import day_of, time_of

    summer = datetime(2027, 7, 6, 17, 30, tzinfo=UTC)  # 18:30 BST
    winter = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # 10:00 GMT
    assert (day_of(summer), time_of(summer)) == ("Tuesday 6 July 2027", "6:30pm")
    assert (day_of(winter), time_of(winter)) == ("Tuesday 8 December 2026", "10am")


async def test_two_senders_racing_on_one_database_send_each_reminder_once(
    desk: Desk, reminders: Reminders, scheduling_settings: Settings
) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=3, capacity=12)
    for _ in range(8):
        await reminders.assessed()
    start = datetime.fromisoformat(seat["starts_at"]).astimezone(UTC)
    instances = [
        Database(scheduling_settings.database_url, cipher=scheduling_settings.field_cipher())
        for _ in range(2)
    ]
    try:
        notifiers = [Counting(db) for db in instances]
        senders = [
            reminders.sender(notifier, db=db, batch_size=100)
            for notifier, db in zip(notifiers, instances, strict=True)
        ]
        due = start - timedelta(hours=1)  # all three kinds of everyone
        results = await asyncio.gather(*(s.run_once(due) for s in senders))
    finally:
        for db in instances:
            await db.dispose()

    assert sum(len(r.sent) for r in results) == 24
    sends = notifiers[0].sends + notifiers[1].sends
    assert len(sends) == len(set(sends)) == 24
    async with reminders.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(RecordedMessage)) == 24
    assert {r.status for r in await reminders.of()} == {"sent"}


async def test_a_restart_after_a_claim_whose_sender_died_sends_once(
    desk: Desk, reminders: Reminders
) -> None:
    referral_id, _ = await booked(desk, reminders)
    reminder = await reminders.one(referral_id, ReminderKind.booked)
    now = datetime.now(UTC) + timedelta(seconds=1)
    dead = reminders.sender(lease_seconds=300)
    claim = await dead.claim(reminder.id, reminder.status, now)
    assert claim is not None  # ...and the process dies before calling the provider

    restarted = reminders.sender(lease_seconds=300)
    assert (await restarted.run_once(now + timedelta(minutes=4))).sent == []
    assert (await reminders.one(referral_id, ReminderKind.booked)).status == "sending"
    assert (await restarted.run_once(now + timedelta(minutes=5))).sent == [reminder.id]
    assert len(await reminders.recorded()) == 1
    assert (await dead.settle(claim, {"status": "sent"}, now)) is False  # the claim was lost


async def test_a_restart_after_the_message_went_but_before_it_was_marked_sends_nothing(
    desk: Desk, reminders: Reminders
) -> None:
    referral_id, _ = await booked(desk, reminders)
    reminder = await reminders.one(referral_id, ReminderKind.booked)
    now = datetime.now(UTC) + timedelta(seconds=1)
    counting = Counting(reminders.db)
    dead = reminders.sender(counting)
    claim = await dead.claim(reminder.id, reminder.status, now)
    assert claim is not None
    await dead.deliver(claim, now)  # the message is recorded; the process dies before marking it

    restarted = reminders.sender(counting)
    assert (await restarted.run_once(now + timedelta(minutes=6))).sent == [reminder.id]
    assert len(counting.sends) == 1
    assert len(await reminders.recorded()) == 1
    assert (await reminders.one(referral_id, ReminderKind.booked)).status == "sent"


async def test_temporary_failures_are_retried_with_backoff_then_sent(
    desk: Desk, reminders: Reminders
) -> None:
    referral_id, _ = await booked(desk, reminders)
    notifier = Failing(reminders.db, TemporaryFailure("GOV.UK Notify answered 429"), times=2)
    sender = reminders.sender(notifier, retry_seconds=60)
    now = datetime.now(UTC) + timedelta(seconds=1)

    assert len((await sender.run_once(now)).retrying) == 1
    first = await reminders.one(referral_id, ReminderKind.booked)
    assert (first.status, first.attempts, first.last_error) == (
        "pending",
        1,
        "GOV.UK Notify answered 429",
    )
    assert first.next_attempt_at == now + timedelta(seconds=60)
    assert (await sender.run_once(now + timedelta(seconds=59))).retrying == []
    assert len((await sender.run_once(now + timedelta(seconds=60))).retrying) == 1
    second = await reminders.one(referral_id, ReminderKind.booked)
    assert second.next_attempt_at == now + timedelta(seconds=60 + 120)
    assert len((await sender.run_once(now + timedelta(seconds=180))).sent) == 1
    sent = await reminders.one(referral_id, ReminderKind.booked)
    assert (sent.status, sent.attempts) == ("sent", 3)
    assert len(await reminders.recorded()) == 1


async def test_giving_up_is_visible_to_administrators_and_a_retry_sends_it(
    desk: Desk, reminders: Reminders
) -> None:
    referral_id, _ = await booked(desk, reminders)
    sender = reminders.sender(
        Failing(reminders.db, TemporaryFailure("GOV.UK Notify answered 500: Exception")),
        max_attempts=3,
        retry_seconds=60,
    )
    now = datetime.now(UTC) + timedelta(seconds=1)
    for wait in (0, 60, 180):
        await sender.run_once(now + timedelta(seconds=wait))
    failed = await reminders.one(referral_id, ReminderKind.booked)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert (await sender.run_once(now + timedelta(days=1))).settled == 0

    listed = await desk.client.get("/v1/reminders?status=failed", headers=desk.admin)
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["id"] == str(failed.id)
    assert item["last_error"] == "GOV.UK Notify answered 500: Exception"
    assert item["attempts"] == 3
    assert item["message"] is None

    retried = await desk.client.post(f"/v1/reminders/{failed.id}/retry", headers=desk.admin)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "pending"
    again = await desk.client.post(f"/v1/reminders/{failed.id}/retry", headers=desk.admin)
    assert again.status_code == 409
    assert again.json()["detail"] == (
        "The reminder is pending; only a failed reminder can be retried."
    )
    assert (await reminders.sender().run_once(datetime.now(UTC) + timedelta(seconds=1))).sent


async def test_a_permanent_failure_fails_at_once(desk: Desk, reminders: Reminders) -> None:
    referral_id, _ = await booked(desk, reminders)
    notifier = Failing(
        reminders.db, PermanentFailure("GOV.UK Notify answered 400: Template not found")
    )
    result = await reminders.sender(notifier).run_once(datetime.now(UTC) + timedelta(seconds=1))
    assert len(result.failed) == 1
    failed = await reminders.one(referral_id, ReminderKind.booked)
    assert (failed.status, failed.attempts, failed.last_error) == (
        "failed",
        1,
        "GOV.UK Notify answered 400: Template not found",
    )


async def test_administrators_read_recorded_messages_and_each_read_is_logged(
    desk: Desk, reminders: Reminders
) -> None:
    course = await desk.course()
    referral_id, _ = await booked(desk, reminders, course=course)
    await booked(desk, reminders, in_days=4, course=course)  # another person's
    await reminders.sender().run_once(datetime.now(UTC) + timedelta(seconds=1))

    listed = await desk.client.get(
        "/v1/reminders", params={"referral_id": str(referral_id)}, headers=desk.admin
    )
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert {i["referral_id"] for i in items} == {str(referral_id)}
    assert [i["kind"] for i in items] == ["hour_before", "day_before", "booked"]
    sent = items[2]
    assert sent["status"] == "sent" and sent["sent_at"] is not None
    assert sent["message"]["recipient"] == PHONE
    assert sent["message"]["text"].startswith("Hello Jordanna")
    assert items[0]["message"] is None and items[0]["status"] == "pending"

    async with desk.runtime.db.session() as session:
        logged = (
            await session.execute(
                select(kit.audit_log.c.actor, kit.audit_log.c.resource_id).where(
                    kit.audit_log.c.resource_type == "recorded_message"
                )
            )
        ).all()
    assert logged == [("admin-1", sent["id"])]

    page = await desk.client.get("/v1/reminders", params={"limit": 2}, headers=desk.admin)
    assert len(page.json()["items"]) == 2 and page.json()["next_cursor"]


async def test_a_retry_of_a_reminder_that_did_not_fail_changes_nothing(
    desk: Desk, reminders: Reminders
) -> None:
    referral_id, _ = await booked(desk, reminders)
    reminder = await reminders.one(referral_id, ReminderKind.day_before)
    answer = await desk.client.post(f"/v1/reminders/{reminder.id}/retry", headers=desk.admin)
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert (await reminders.one(referral_id, ReminderKind.day_before)).status == "pending"


async def test_a_failed_reminder_of_a_session_that_started_is_not_retried(
    desk: Desk, reminders: Reminders
) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=3)
    referral_id = await reminders.assessed()
    notifier = Failing(reminders.db, PermanentFailure("GOV.UK Notify answered 400"))
    await reminders.sender(notifier).run_once(datetime.now(UTC) + timedelta(seconds=1))
    failed = await reminders.one(referral_id, ReminderKind.booked)
    await desk.start_session(seat["id"])

    answer = await desk.client.post(f"/v1/reminders/{failed.id}/retry", headers=desk.admin)
    assert answer.status_code == 409
    assert answer.json()["detail"] == (
        "The session has started; a reminder of it would come too late."
    )
    assert (await reminders.one(referral_id, ReminderKind.booked)).status == "failed"


async def test_a_failed_reminder_of_a_withdrawn_booking_is_cancelled_its_error_kept(
    desk: Desk, reminders: Reminders
) -> None:
    referral_id, _ = await booked(desk, reminders)
    notifier = Failing(reminders.db, PermanentFailure("GOV.UK Notify answered 400"))
    await reminders.sender(notifier).run_once(datetime.now(UTC) + timedelta(seconds=1))
    assert await desk.receive(desk.withdrawal(referral_id)) == "applied"
    [booked_reminder] = [
        r for r in await reminders.of(referral_id) if r.kind == ReminderKind.booked
    ]
    assert (booked_reminder.status, booked_reminder.last_error) == (
        "cancelled",
        "GOV.UK Notify answered 400",
    )


async def test_a_reminder_whose_session_started_before_it_could_go_is_not_sent(
    desk: Desk, reminders: Reminders
) -> None:
    referral_id, start = await booked(desk, reminders)
    counting = Counting(reminders.db)
    # the service was down from before the hour-before reminder until after the start
    result = await reminders.sender(counting).run_once(start + timedelta(minutes=5))
    assert len(result.too_late) == 3
    assert counting.sends == []
    late = await reminders.of(referral_id)
    assert {r.status for r in late} == {"cancelled"}
    assert {r.last_error for r in late} == {
        "Not sent: the session had started before the reminder could go."
    }
