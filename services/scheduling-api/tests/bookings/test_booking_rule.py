"""The booking rule: the earliest suitable session with room after the force's lead time, in
the person's language; else the waiting list, in order; a freed or added seat goes to the head
of the list without anyone acting; a withdrawn referral gives its seat back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from contracts.vocabulary import Pathway

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def test_books_the_earliest_session_with_room_after_the_lead_time(desk: Desk) -> None:
    course = await desk.course()
    too_soon = await desk.session(course, in_days=1)  # inside the 48 h default lead time
    full = await desk.session(course, in_days=3, capacity=1)
    later = await desk.session(course, in_days=9)
    earliest = await desk.session(course, in_days=4)
    await desk.assessed()  # takes the only seat of `full`
    referral_id = await desk.assessed()

    booking = await desk.booking_of(referral_id)
    assert booking is not None
    assert str(booking.session_id) == earliest["id"]
    assert await desk.seats(earliest["id"]) == (1, 10)
    assert await desk.seats(too_soon["id"]) == (0, 10)
    assert await desk.seats(later["id"]) == (0, 10)
    assert await desk.seats(full["id"]) == (1, 1)
    booked = [e for e in await desk.events("session.booked.v1") if e.subject == str(referral_id)]
    assert len(booked) == 1
    assert booked[0].forceid == "demo"
    assert booked[0].data.booking_id == booking.id
    assert str(booked[0].data.session_id) == earliest["id"]
    assert booked[0].data.course_type == Pathway.cannabis_group
    assert booked[0].data.rebooking is False


async def test_the_lead_time_counts_from_the_assessment(desk: Desk) -> None:
    course = await desk.course()
    soon = await desk.session(course, in_days=1)
    referral_id = await desk.assessed(completed_at=datetime.now(UTC) - timedelta(days=2))
    booking = await desk.booking_of(referral_id)
    assert booking is not None and str(booking.session_id) == soon["id"]


async def test_only_the_allocated_course_of_the_same_force(desk: Desk) -> None:
    cocaine = await desk.course(Pathway.cocaine_group)
    await desk.session(cocaine, in_days=5)
    other_force = await desk.course(headers=desk.auth("admin", forces=("northshire",)))
    await desk.session(
        other_force, in_days=5, headers=desk.auth("facilitator", forces=("northshire",))
    )
    referral_id = await desk.assessed(pathway=Pathway.cannabis_group)
    assert await desk.booking_of(referral_id) is None
    assert await desk.waiting() == [referral_id]


async def test_a_session_that_states_a_language_takes_only_its_speakers(desk: Desk) -> None:
    course = await desk.course()
    polish = await desk.session(course, in_days=4, language="pl")
    english = await desk.session(course, in_days=6, language="en-GB")
    any_language = await desk.session(course, in_days=8)

    english_speaker = await desk.assessed(preferred_language="en")
    polish_speaker = await desk.assessed(preferred_language="pl-PL")
    booked = {r: await desk.booking_of(r) for r in (english_speaker, polish_speaker)}
    assert str(booked[english_speaker].session_id) == english["id"]  # type: ignore[union-attr]
    assert str(booked[polish_speaker].session_id) == polish["id"]  # type: ignore[union-attr]
    assert await desk.seats(any_language["id"]) == (0, 10)


async def test_someone_needing_an_interpreter_gets_one_or_their_own_language(desk: Desk) -> None:
    course = await desk.course()
    await desk.session(course, in_days=4)  # no interpreter, no language stated
    with_interpreter = await desk.session(course, in_days=6, interpreter_available=True)
    needs_one = await desk.assessed(preferred_language="ro", interpreter_needed=True)
    booking = await desk.booking_of(needs_one)
    assert booking is not None and str(booking.session_id) == with_interpreter["id"]

    romanian = await desk.session(course, in_days=5, language="ro")
    second = await desk.assessed(preferred_language="ro", interpreter_needed=True)
    booking = await desk.booking_of(second)
    assert booking is not None and str(booking.session_id) == romanian["id"]


async def test_no_room_puts_people_on_the_waiting_list_in_order(desk: Desk) -> None:
    course = await desk.course()
    await desk.session(course, in_days=4, capacity=1)
    seated = await desk.assessed()
    first, second, third = [await desk.assessed() for _ in range(3)]
    assert await desk.booking_of(seated) is not None
    assert await desk.waiting() == [first, second, third]
    assert len(await desk.events("session.booked.v1")) == 1


async def test_a_new_session_seats_the_head_of_the_waiting_list(desk: Desk) -> None:
    course = await desk.course()
    first, second, third = [await desk.assessed() for _ in range(3)]
    added = await desk.session(course, in_days=5, capacity=2)

    assert added["booked"] == 2 and added["free"] == 0
    for referral_id in (first, second):
        booking = await desk.booking_of(referral_id)
        assert booking is not None and str(booking.session_id) == added["id"]
    assert await desk.waiting() == [third]


async def test_the_waiting_list_skips_whom_a_new_seat_does_not_suit(desk: Desk) -> None:
    course = await desk.course()
    polish = await desk.assessed(preferred_language="pl")
    english = await desk.assessed(preferred_language="en")
    added = await desk.session(course, in_days=5, capacity=1, language="en")
    booking = await desk.booking_of(english)
    assert booking is not None and str(booking.session_id) == added["id"]
    assert await desk.waiting() == [polish]


async def test_a_withdrawn_referral_frees_its_seat_for_the_head_of_the_list(desk: Desk) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=4, capacity=1)
    seated = await desk.assessed()
    first, second = await desk.assessed(), await desk.assessed()

    assert await desk.receive(desk.withdrawal(seated)) == "applied"
    cancelled = (await desk.bookings_of(seated))[0]
    assert cancelled.status == "cancelled"
    participant = await desk.participant(seated)
    assert participant is not None and participant.status == "withdrawn"
    booking = await desk.booking_of(first)
    assert booking is not None and str(booking.session_id) == seat["id"]
    assert await desk.seats(seat["id"]) == (1, 1)
    assert await desk.waiting() == [second]


async def test_a_withdrawn_person_leaves_the_waiting_list(desk: Desk) -> None:
    await desk.course()
    waiting = await desk.assessed()
    assert await desk.receive(desk.withdrawal(waiting)) == "applied"
    assert await desk.waiting() == []


async def test_an_assessment_after_its_withdrawal_books_nothing(desk: Desk) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=4)
    referral_id = uuid.uuid4()
    assert await desk.receive(desk.withdrawal(referral_id)) == "applied"
    assert await desk.receive(desk.assessment(referral_id=referral_id)) == "applied"
    assert await desk.bookings_of(referral_id) == []
    assert await desk.seats(seat["id"]) == (0, 10)
    assert await desk.events("session.booked.v1") == []


async def test_an_assessment_arriving_again_books_once(desk: Desk) -> None:
    course = await desk.course()
    await desk.session(course, in_days=4)
    event = desk.assessment()
    assert await desk.receive(event) == "applied"
    assert await desk.receive(event) == "duplicate"
    # the same assessment under another event id (a replay from the producer's side)
    again = desk.assessment(referral_id=event.data.referral_id)
    assert await desk.receive(again) == "applied"
    assert len(await desk.bookings_of(event.data.referral_id)) == 1
    assert len(await desk.events("session.booked.v1")) == 1
