"""Facilitators see and mark their own sessions only: another facilitator's session, and the
bookings on it, are not found and not listed, like another force's. Administrators see every
session of their force, and workers every booking of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db

COLLEAGUE = "facilitator-bea"


async def two_facilitators(desk: Desk) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """A session of ours with a booking on it, and a colleague's with a booking on it."""
    course = await desk.course()
    ours = await desk.session(course, in_days=4, capacity=1)
    theirs = await desk.session(
        course, in_days=5, capacity=1, headers=desk.auth("facilitator", sub=COLLEAGUE)
    )
    await desk.assessed()
    theirs_booking = await desk.booking_of(await desk.assessed())
    assert theirs_booking is not None and str(theirs_booking.session_id) == theirs["id"]
    return ours, theirs, theirs_booking


async def test_a_facilitator_lists_only_the_sessions_they_run(desk: Desk) -> None:
    ours, theirs, _ = await two_facilitators(desk)
    mine = await desk.client.get("/v1/sessions", headers=desk.facilitator)
    assert [s["id"] for s in mine.json()["items"]] == [ours["id"]]
    every = await desk.client.get("/v1/sessions", headers=desk.admin)
    assert [s["id"] for s in every.json()["items"]] == [ours["id"], theirs["id"]]


async def test_another_facilitators_session_is_not_found_and_stays_as_it_was(desk: Desk) -> None:
    _, theirs, booking = await two_facilitators(desk)
    await desk.start_session(theirs["id"])
    url = f"/v1/sessions/{theirs['id']}"
    calls = [
        ("GET", url, None),
        ("PATCH", url, {"capacity": 5}),
        (
            "POST",
            f"{url}/attendance",
            {"marks": [{"booking_id": str(booking.id), "outcome": "attended"}]},
        ),
    ]
    for method, path, body in calls:
        response = await desk.client.request(method, path, json=body, headers=desk.facilitator)
        assert response.status_code == 404, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "There is no session with that id that you can see."
    assert await desk.seats(theirs["id"]) == (1, 1)
    assert await desk.events("session.attended.v1") == []
    admin = await desk.client.get(url, headers=desk.admin)
    assert admin.status_code == 200


async def test_a_facilitator_sees_only_the_bookings_on_their_sessions(desk: Desk) -> None:
    ours, theirs, theirs_booking = await two_facilitators(desk)
    listed = await desk.client.get("/v1/bookings", headers=desk.facilitator)
    assert [b["session_id"] for b in listed.json()["items"]] == [ours["id"]]
    by_session = await desk.client.get(
        "/v1/bookings", params={"session_id": theirs["id"]}, headers=desk.facilitator
    )
    assert by_session.json()["items"] == []
    one = await desk.client.get(f"/v1/bookings/{theirs_booking.id}", headers=desk.facilitator)
    assert one.status_code == 404
    assert one.json()["detail"] == "There is no booking with that id that you can see."
    colleague = desk.auth("facilitator", sub=COLLEAGUE)
    theirs_listed = await desk.client.get(
        "/v1/bookings", params={"session_id": theirs["id"]}, headers=colleague
    )
    assert [b["id"] for b in theirs_listed.json()["items"]] == [str(theirs_booking.id)]
    worker = await desk.client.get("/v1/bookings", headers=desk.worker)
    assert len(worker.json()["items"]) == 2
