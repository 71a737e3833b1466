"""More seats in a session go at once to those waiting; fewer than are booked is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def test_more_seats_go_to_the_head_of_the_waiting_list(desk: Desk) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=4, capacity=1)
    await desk.assessed()
    first, second, third = [await desk.assessed() for _ in range(3)]

    response = await desk.client.patch(
        f"/v1/sessions/{seat['id']}", json={"capacity": 3}, headers=desk.facilitator
    )
    assert response.status_code == 200, response.text
    assert (response.json()["capacity"], response.json()["booked"]) == (3, 3)
    for referral_id in (first, second):
        booking = await desk.booking_of(referral_id)
        assert booking is not None and str(booking.session_id) == seat["id"]
    assert await desk.waiting() == [third]


async def test_fewer_seats_than_are_booked_is_refused(desk: Desk) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=4, capacity=3)
    await desk.assessed()
    await desk.assessed()
    response = await desk.client.patch(
        f"/v1/sessions/{seat['id']}", json={"capacity": 1}, headers=desk.admin
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "2 seats are booked" in response.json()["detail"]
    fewer = await desk.client.patch(
        f"/v1/sessions/{seat['id']}", json={"capacity": 2}, headers=desk.admin
    )
    assert fewer.status_code == 200
    assert await desk.seats(seat["id"]) == (2, 2)


async def test_only_its_facilitator_or_an_administrator_changes_a_session(desk: Desk) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=4, capacity=3)
    other = desk.auth("facilitator", sub="facilitator-bea")
    response = await desk.client.patch(
        f"/v1/sessions/{seat['id']}", json={"capacity": 5}, headers=other
    )
    assert response.status_code == 404  # another facilitator's session, as if absent
    outsider = desk.auth("admin", forces=("northshire",))
    response = await desk.client.patch(
        f"/v1/sessions/{seat['id']}", json={"capacity": 5}, headers=outsider
    )
    assert response.status_code == 404
    assert await desk.seats(seat["id"]) == (0, 3)
