"""A worker moves a booking to the earliest other suitable session with room, up to the
force's rebooking limit; the old seat goes to the head of the waiting list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def rebook(desk: Desk, booking_id: Any) -> Any:
    return await desk.client.post(f"/v1/bookings/{booking_id}/rebooking", headers=desk.worker)


async def test_moves_to_another_session_and_gives_the_seat_to_the_head(desk: Desk) -> None:
    course = await desk.course()
    first = await desk.session(course, in_days=4, capacity=1)
    second = await desk.session(course, in_days=6, capacity=1)
    mover = await desk.assessed(preferred_language="pl")
    await desk.assessed()  # takes the second session
    head, tail = await desk.assessed(), await desk.assessed()
    assert await desk.waiting() == [head, tail]
    # room that suits the mover but not those waiting
    polish = await desk.session(course, in_days=8, capacity=1, language="pl")
    booking = await desk.booking_of(mover)
    assert booking is not None and str(booking.session_id) == first["id"]

    response = await rebook(desk, booking.id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["session_id"] == polish["id"]
    assert body["rebook_count"] == 1
    assert body["status"] == "booked"
    assert response.headers["location"] == f"/v1/bookings/{body['id']}"
    old = [b for b in await desk.bookings_of(mover) if b.id == booking.id]
    assert old[0].status == "cancelled"
    seated = await desk.booking_of(head)
    assert seated is not None and str(seated.session_id) == first["id"]
    assert await desk.waiting() == [tail]
    assert await desk.seats(first["id"]) == (1, 1)
    assert await desk.seats(second["id"]) == (1, 1)
    moved = [
        e for e in await desk.events("session.booked.v1") if str(e.data.booking_id) == body["id"]
    ]
    assert len(moved) == 1 and moved[0].data.rebooking is True


async def test_the_force_limit_stops_further_moves(desk: Desk) -> None:
    course = await desk.course()
    for days in (4, 5, 6, 7):
        await desk.session(course, in_days=days)
    referral_id = await desk.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    for _ in range(2):  # the default limit
        response = await rebook(desk, booking.id)
        assert response.status_code == 201, response.text
        booking = await desk.booking_of(referral_id)
        assert booking is not None
    response = await rebook(desk, booking.id)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "limit" in response.json()["detail"]
    current = await desk.booking_of(referral_id)
    assert current is not None and current.id == booking.id


async def test_a_cancelled_booking_cannot_move(desk: Desk) -> None:
    course = await desk.course()
    await desk.session(course, in_days=4)
    await desk.session(course, in_days=5)
    referral_id = await desk.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    assert (await rebook(desk, booking.id)).status_code == 201
    response = await rebook(desk, booking.id)
    assert response.status_code == 409
    assert "cancelled" in response.json()["detail"]


async def test_no_other_session_with_room_keeps_the_booking(desk: Desk) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=4)
    referral_id = await desk.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    response = await rebook(desk, booking.id)
    assert response.status_code == 409
    assert "No other suitable session" in response.json()["detail"]
    assert await desk.seats(seat["id"]) == (1, 10)
    assert await desk.booking_of(referral_id) is not None
