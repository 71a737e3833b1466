"""Which reminders a booking gets and when; their cancellation when the booking changes; and a
contact that cannot be used: the booking goes ahead with no reminders, and the log says why
without the contact."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from contracts.sealed import generate_keypair, seal
from scheduling_api.reminders.models import StoredContact
from scheduling_api.reminders.schedule import due_times

if TYPE_CHECKING:
    from conftest import Desk
    from reminders.conftest import Reminders

from .conftest import EMAIL, GIVEN_NAME, PHONE, contact, sealed_assessment

pytestmark = pytest.mark.db

EARLIER = {"completed_at": datetime.now(UTC) - timedelta(days=3)}


def test_each_kind_is_due_at_its_time_and_past_kinds_are_skipped() -> None:
    now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    start = datetime(2026, 12, 8, 18, 30, tzinfo=UTC)
    assert due_times(start, now) == {
        "booked": now,
        "day_before": datetime(2026, 12, 7, 18, 30, tzinfo=UTC),
        "hour_before": datetime(2026, 12, 8, 17, 30, tzinfo=UTC),
    }
    assert set(due_times(now + timedelta(hours=5), now)) == {"booked", "hour_before"}
    assert set(due_times(now + timedelta(minutes=40), now)) == {"booked"}
    assert set(due_times(now + timedelta(hours=24), now)) == {"booked", "hour_before"}


async def test_a_booking_gets_its_three_reminders_by_sms(desk: Desk, reminders: Reminders) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=3)
    referral_id = await reminders.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None

    found = await reminders.of(referral_id)
    start = datetime.fromisoformat(seat["starts_at"]).astimezone(UTC)
    assert [(r.kind, r.status, r.channel) for r in found] == [
        ("booked", "pending", "sms"),
        ("day_before", "pending", "sms"),
        ("hour_before", "pending", "sms"),
    ]
    assert {r.booking_id for r in found} == {booking.id}
    assert found[1].due_at == start - timedelta(hours=24)
    assert found[2].due_at == start - timedelta(hours=1)
    assert abs(found[0].due_at - datetime.now(UTC)) < timedelta(minutes=1)


async def test_email_when_no_phone_is_known(desk: Desk, reminders: Reminders) -> None:
    course = await desk.course()
    await desk.session(course, in_days=3)
    referral_id = await reminders.assessed(contact(phone=None))
    assert {r.channel for r in await reminders.of(referral_id)} == {"email"}


async def test_kinds_already_past_at_booking_are_skipped(desk: Desk, reminders: Reminders) -> None:
    course = await desk.course()
    await desk.session(course, in_days=5 / 24)  # in five hours
    referral_id = await reminders.assessed(**EARLIER)
    assert [r.kind for r in await reminders.of(referral_id)] == ["booked", "hour_before"]


async def test_a_move_cancels_the_old_reminders_and_schedules_the_new(
    desk: Desk, reminders: Reminders
) -> None:
    course = await desk.course()
    await desk.session(course, in_days=3)
    later = await desk.session(course, in_days=6)
    referral_id = await reminders.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None

    moved = await desk.client.post(f"/v1/bookings/{booking.id}/rebooking", headers=desk.worker)
    assert moved.status_code == 201, moved.text

    found = await reminders.of(referral_id)
    old = [r for r in found if r.booking_id == booking.id]
    new = [r for r in found if r.booking_id != booking.id]
    assert {r.status for r in old} == {"cancelled"}
    assert sorted(r.kind for r in new) == ["booked", "day_before", "hour_before"]
    assert {r.status for r in new} == {"pending"}
    assert {str(r.session_id) for r in new} == {later["id"]}


async def test_a_withdrawal_cancels_the_reminders_and_erases_the_contact(
    desk: Desk, reminders: Reminders
) -> None:
    course = await desk.course()
    await desk.session(course, in_days=3)
    referral_id = await reminders.assessed()
    assert await stored_contact(desk, referral_id)

    assert await desk.receive(desk.withdrawal(referral_id)) == "applied"

    assert {r.status for r in await reminders.of(referral_id)} == {"cancelled"}
    assert not await stored_contact(desk, referral_id)


async def test_attendance_cancels_what_is_left_and_erases_the_contact(
    desk: Desk, reminders: Reminders
) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=3)
    referral_id = await reminders.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    await desk.start_session(seat["id"])

    marked = await desk.client.post(
        f"/v1/sessions/{seat['id']}/attendance",
        json={"marks": [{"booking_id": str(booking.id), "outcome": "attended"}]},
        headers=desk.facilitator,
    )
    assert marked.status_code == 200, marked.text
    assert {r.status for r in await reminders.of(referral_id)} == {"cancelled"}
    assert not await stored_contact(desk, referral_id)


async def test_a_missed_session_cancels_its_reminders_and_the_next_offer_gets_its_own(
    desk: Desk, reminders: Reminders
) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=3)
    await desk.session(course, in_days=10)
    referral_id = await reminders.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    await desk.start_session(seat["id"])

    marked = await desk.client.post(
        f"/v1/sessions/{seat['id']}/attendance",
        json={"marks": [{"booking_id": str(booking.id), "outcome": "missed"}]},
        headers=desk.facilitator,
    )
    assert marked.status_code == 200, marked.text
    found = await reminders.of(referral_id)
    assert {r.status for r in found if r.booking_id == booking.id} == {"cancelled"}
    assert {r.status for r in found if r.booking_id != booking.id} == {"pending"}
    assert await stored_contact(desk, referral_id)  # still needed for the next session


async def test_not_engaged_erases_the_contact(desk: Desk, reminders: Reminders) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=3)
    referral_id = await reminders.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    await desk.start_session(seat["id"])

    marked = await desk.client.post(
        f"/v1/sessions/{seat['id']}/attendance",
        json={"marks": [{"booking_id": str(booking.id), "outcome": "missed"}]},
        headers=desk.facilitator,
    )
    assert marked.status_code == 200, marked.text
    assert (await desk.participant(referral_id)).status == "not_engaged"  # type: ignore[union-attr]
    assert not await stored_contact(desk, referral_id)


async def stored_contact(desk: Desk, referral_id: uuid.UUID) -> bool:
    async with desk.runtime.db.session() as session:
        found = await session.scalar(
            select(StoredContact.referral_id).where(StoredContact.referral_id == referral_id)
        )
    return found is not None


def assert_no_contact_in(records: list[logging.LogRecord]) -> None:
    for record in records:
        text = record.getMessage()
        for secret in (PHONE, EMAIL, GIVEN_NAME):
            assert secret not in text, text


@pytest.mark.parametrize(
    ("case", "why"),
    [
        ("wrong key", "does not open with this service's key"),
        ("tampered", "does not open with this service's key"),
        ("no phone or email", "no phone and no email"),
        ("no key", "SCHEDULING_PRIVATE_KEY is not set"),
    ],
)
async def test_an_unusable_contact_books_without_reminders_and_says_why(
    desk: Desk,
    reminders: Reminders,
    keypair: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
    case: str,
    why: str,
) -> None:
    course = await desk.course()
    await desk.session(course, in_days=3)
    event = sealed_assessment(desk, keypair[1])
    if case == "wrong key":
        event = sealed_assessment(desk, generate_keypair()[1])
    elif case == "tampered":
        sealed = event.data.reminder_contact
        assert sealed is not None
        other = seal(b'{"given_name":"X","phone":"1"}', public_key=keypair[1], kid="scheduling-1")
        altered = sealed.model_copy(update={"ciphertext": other.ciphertext})
        event = event.model_copy(
            update={"data": event.data.model_copy(update={"reminder_contact": altered})}
        )
    elif case == "no phone or email":
        event = sealed_assessment(desk, keypair[1], contact(phone=None, email=None))
    elif case == "no key":
        for subscription in desk.consumer.subscriptions:
            for handler in subscription.handlers.values():
                handler.__self__._private_key = None  # type: ignore[attr-defined]
    caplog.set_level(logging.DEBUG)

    assert await desk.receive(event) == "applied"

    referral_id = event.data.referral_id
    assert await desk.booking_of(referral_id) is not None
    assert await reminders.of(referral_id) == []
    assert not await stored_contact(desk, referral_id)
    assert any(why in r.getMessage() and str(referral_id) in r.getMessage() for r in caplog.records)
    assert_no_contact_in(caplog.records)
