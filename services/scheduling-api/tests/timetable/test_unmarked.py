"""Sessions left unmarked: once a session has ended (its start plus its length) with bookings
nobody has marked, it is listed for its facilitator, oldest first, with how many are left, and
it leaves the list when the last of them is marked. The clock is set, not waited for."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from scheduling_api.dependencies import clock

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db

UNMARKED = "/v1/sessions/unmarked"


def set_clock(desk: Desk, at: datetime) -> None:
    async def fixed() -> datetime:
        return at

    desk.app.dependency_overrides[clock] = fixed


def ends(seat: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(seat["starts_at"]) + timedelta(minutes=seat["duration_minutes"])


async def unmarked(desk: Desk, headers: dict[str, str] | None = None) -> list[tuple[str, int]]:
    response = await desk.client.get(UNMARKED, headers=headers or desk.facilitator)
    assert response.status_code == 200, response.text
    return [(s["id"], s["unmarked"]) for s in response.json()["items"]]


async def test_a_session_is_listed_from_the_moment_it_ends(desk: Desk) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=4)  # to the microsecond, as given
    await desk.assessed()
    await desk.assessed()

    set_clock(desk, datetime.fromisoformat(seat["starts_at"]) + timedelta(minutes=1))
    assert await unmarked(desk) == []  # under way, not over
    set_clock(desk, ends(seat) - timedelta(microseconds=1))
    assert await unmarked(desk) == []
    set_clock(desk, ends(seat))
    response = await desk.client.get(UNMARKED, headers=desk.facilitator)
    [listed] = response.json()["items"]
    assert (listed["id"], listed["unmarked"], listed["booked"]) == (seat["id"], 2, 2)
    assert datetime.fromisoformat(listed["ends_at"]) == ends(seat)
    assert listed["ends_at"].endswith(("+00:00", "+01:00"))  # London time, with its offset


async def test_it_leaves_the_list_once_every_booking_on_it_is_marked(desk: Desk) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=4)
    first, second = await desk.assessed(), await desk.assessed()
    await desk.start_session(seat["id"])  # attendance is taken once it has really started
    fetched = await desk.client.get(f"/v1/sessions/{seat['id']}", headers=desk.facilitator)
    set_clock(desk, ends(fetched.json()) + timedelta(hours=1))
    assert await unmarked(desk) == [(seat["id"], 2)]

    for referral_id, left in ((first, [(seat["id"], 1)]), (second, [])):
        booking = await desk.booking_of(referral_id)
        assert booking is not None
        marked = await desk.client.post(
            f"/v1/sessions/{seat['id']}/attendance",
            json={"marks": [{"booking_id": str(booking.id), "outcome": "attended"}]},
            headers=desk.facilitator,
        )
        assert marked.status_code == 200, marked.text
        assert await unmarked(desk) == left


async def test_oldest_first_and_only_sessions_with_bookings_to_mark(desk: Desk) -> None:
    course = await desk.course()
    later = await desk.session(course, in_days=6, capacity=1)
    earlier = await desk.session(course, in_days=4, capacity=1)
    await desk.session(course, in_days=5, capacity=1)  # stays empty: nothing to mark
    await desk.assessed()
    withdrawn = await desk.assessed()
    await desk.assessed()
    assert await desk.receive(desk.withdrawal(withdrawn)) == "applied"  # its booking cancelled

    set_clock(desk, ends(later) + timedelta(days=1))
    assert await unmarked(desk) == [(earlier["id"], 1), (later["id"], 1)]


async def test_facilitators_see_their_own_and_administrators_their_forces(desk: Desk) -> None:
    course = await desk.course()
    ours = await desk.session(course, in_days=4, capacity=1)
    colleague = desk.auth("facilitator", sub="facilitator-bea")
    theirs = await desk.session(course, in_days=5, capacity=1, headers=colleague)
    await desk.assessed()
    await desk.assessed()
    set_clock(desk, ends(theirs) + timedelta(hours=1))

    assert await unmarked(desk) == [(ours["id"], 1)]
    assert await unmarked(desk, colleague) == [(theirs["id"], 1)]
    assert await unmarked(desk, desk.admin) == [(ours["id"], 1), (theirs["id"], 1)]
    assert await unmarked(desk, desk.auth("admin", forces=("northshire",))) == []
    assert await unmarked(desk, desk.auth("facilitator", forces=("northshire",))) == []


async def test_the_list_pages(desk: Desk) -> None:
    course = await desk.course()
    seats = [await desk.session(course, in_days=4 + day, capacity=1) for day in range(3)]
    for _ in seats:
        await desk.assessed()
    set_clock(desk, ends(seats[-1]))
    first = await desk.client.get(UNMARKED, params={"limit": 2}, headers=desk.facilitator)
    page = first.json()
    assert page["next_cursor"] is not None
    rest = await desk.client.get(
        UNMARKED, params={"limit": 2, "cursor": page["next_cursor"]}, headers=desk.facilitator
    )
    listed = [s["id"] for s in page["items"] + rest.json()["items"]]
    assert listed == [s["id"] for s in seats]
    assert rest.json()["next_cursor"] is None


async def test_unmarked_is_never_read_as_a_session_id(desk: Desk) -> None:
    changed = await desk.client.patch(UNMARKED, json={"capacity": 3}, headers=desk.admin)
    assert changed.status_code == 405
    assert changed.headers["content-type"] == "application/problem+json"
    malformed = await desk.client.get("/v1/sessions/unmarke", headers=desk.facilitator)
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "session_id"
