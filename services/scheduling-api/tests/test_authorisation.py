"""Who may do what: each route to its roles (others 403, changing nothing), every record to its
force (another force's record by id is 404, as if absent, and absent from lists)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from contracts.vocabulary import Pathway
from scheduling_api.times import LONDON

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db

FEED = "/v1/calendars/facilitators/facilitator-ade.ics"  # the facilitator who runs the sessions
ROLES = ["officer", "supervisor", "worker", "facilitator", "analyst", "integration", "admin"]


def in_days(days: int) -> str:
    return (datetime.now(UTC).astimezone(LONDON) + timedelta(days=days)).date().isoformat()


def endpoints(
    course_id: str, session_id: str, booking_id: str, availability_id: str, reminder_id: str
) -> list[tuple[str, str, Any, set[str]]]:
    """Each route, a body, and the roles it is for."""
    session = {
        "course_type_id": course_id,
        "starts_at": "2099-03-04T18:30:00+00:00",
        "capacity": 8,
        "join_link": "https://meet.example.org/x",
        "facilitator_id": "facilitator-ade",
    }
    window = {
        "facilitator_id": "facilitator-ade",
        "date": in_days(10),
        "from_time": "09:00",
        "to_time": "10:00",
        "appointment_minutes": 60,
        "join_link": "https://meet.example.org/one-to-one",
    }
    return [
        ("GET", "/v1/course-types", None, {"admin"}),
        ("POST", "/v1/course-types", {"pathway": "general_group", "name": "General"}, {"admin"}),
        ("GET", "/v1/sessions", None, {"facilitator", "admin"}),
        ("GET", "/v1/sessions/unmarked", None, {"facilitator", "admin"}),
        ("POST", "/v1/sessions", session, {"facilitator", "admin"}),
        ("GET", f"/v1/sessions/{session_id}", None, {"facilitator", "admin"}),
        ("PATCH", f"/v1/sessions/{session_id}", {"capacity": 12}, {"facilitator", "admin"}),
        ("GET", "/v1/bookings", None, {"worker", "facilitator"}),
        ("GET", f"/v1/bookings/{booking_id}", None, {"worker", "facilitator"}),
        ("POST", f"/v1/bookings/{booking_id}/rebooking", None, {"worker"}),
        (
            "POST",
            f"/v1/sessions/{session_id}/attendance",
            {"marks": [{"booking_id": booking_id, "outcome": "attended"}]},
            {"facilitator"},
        ),
        ("GET", "/v1/capacity", None, {"facilitator", "admin"}),
        ("GET", "/v1/availability", None, {"facilitator", "admin"}),
        ("POST", "/v1/availability", window, {"facilitator", "admin"}),
        ("GET", f"/v1/availability/{availability_id}", None, {"facilitator", "admin"}),
        ("DELETE", f"/v1/availability/{availability_id}", None, {"facilitator", "admin"}),
        ("GET", f"/v1/sessions/{session_id}.ics", None, {"facilitator", "admin"}),
        ("GET", FEED, None, {"facilitator", "admin"}),
        ("GET", "/v1/reminders", None, {"admin"}),
        ("POST", f"/v1/reminders/{reminder_id}/retry", None, {"admin"}),
    ]


async def setup(desk: Desk) -> tuple[str, str, str, str, str]:
    await desk.course(Pathway.one_to_one)
    window = await desk.client.post(
        "/v1/availability",
        json={
            "date": in_days(12),
            "from_time": "09:00",
            "to_time": "11:00",
            "appointment_minutes": 60,
            "join_link": "https://meet.example.org/one-to-one",
        },
        headers=desk.facilitator,
    )
    assert window.status_code == 201, window.text
    course = await desk.course()
    seat = await desk.session(course, in_days=4)
    later = await desk.session(course, in_days=6)
    referral_id = await desk.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    reminder_id = await desk.failed_reminder(booking, later["id"])  # not yet too late
    await desk.start_session(seat["id"])
    return course, seat["id"], str(booking.id), str(window.json()["id"]), reminder_id


def headers_for(desk: Desk, role: str, forces: tuple[str, ...] = ("demo",)) -> dict[str, str]:
    return desk.auth(role, forces=forces)


async def snapshot(desk: Desk) -> int:
    return len(await desk.events())


@pytest.mark.parametrize("role", ROLES)
async def test_each_route_is_for_its_roles_alone(desk: Desk, role: str) -> None:
    course, session_id, booking_id, availability_id, reminder_id = await setup(desk)
    before = await snapshot(desk)
    headers = headers_for(desk, role)
    for method, url, body, roles in endpoints(
        course, session_id, booking_id, availability_id, reminder_id
    ):
        if role in roles:
            continue
        response = await desk.client.request(method, url, json=body, headers=headers)
        assert response.status_code == 403, (role, method, url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert await snapshot(desk) == before


async def test_the_roles_of_each_route_may_use_it(desk: Desk) -> None:
    course, session_id, booking_id, availability_id, reminder_id = await setup(desk)
    for method, url, body, roles in endpoints(
        course, session_id, booking_id, availability_id, reminder_id
    ):
        for role in sorted(roles):
            if url.endswith(("/rebooking", "/attendance")) or method == "DELETE":
                continue  # changes state: tried once each below
            response = await desk.client.request(
                method, url, json=body, headers=headers_for(desk, role)
            )
            if method == "POST" and url == "/v1/course-types" and role == "admin":
                assert response.status_code in (201, 409), response.text
            elif method == "POST" and url == "/v1/availability" and role == "facilitator":
                # the administrator published the same hours for them a moment ago
                assert response.status_code == 409, response.text
                assert "overlaps" in response.json()["detail"]
            else:
                assert response.status_code in (200, 201), (role, method, url, response.text)
    attendance = await desk.client.post(
        f"/v1/sessions/{session_id}/attendance",
        json={"marks": [{"booking_id": booking_id, "outcome": "attended"}]},
        headers=desk.facilitator,
    )
    assert attendance.status_code == 200, attendance.text
    withdrawal = await desk.client.delete(
        f"/v1/availability/{availability_id}", headers=desk.facilitator
    )
    assert withdrawal.status_code == 200, withdrawal.text


async def test_without_a_token_everything_is_401(desk: Desk) -> None:
    course, session_id, booking_id, availability_id, reminder_id = await setup(desk)
    for method, url, body, _ in endpoints(
        course, session_id, booking_id, availability_id, reminder_id
    ):
        response = await desk.client.request(method, url, json=body)
        assert response.status_code == 401, (method, url)
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role", ["worker", "facilitator", "admin"])
async def test_another_forces_records_are_not_found_and_not_listed(desk: Desk, role: str) -> None:
    course, session_id, booking_id, availability_id, reminder_id = await setup(desk)
    before = await snapshot(desk)
    outsider = desk.auth(role, forces=("northshire",))
    for method, url, body, roles in endpoints(
        course, session_id, booking_id, availability_id, reminder_id
    ):
        if role not in roles or (
            url in ("/v1/course-types", "/v1/sessions", "/v1/availability") and method == "POST"
        ):
            continue
        response = await desk.client.request(method, url, json=body, headers=outsider)
        if url == FEED:
            # the same facilitator signed in for another force has a calendar, without this
            # force's sessions; another force's administrator does not know them
            if role == "facilitator":
                assert response.status_code == 200, response.text
                assert "BEGIN:VEVENT" not in response.text
            else:
                assert response.status_code == 404, response.text
        elif any(
            record in url for record in (session_id, booking_id, availability_id, reminder_id)
        ):
            assert response.status_code == 404, (role, method, url, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        else:
            assert response.status_code == 200, (role, method, url)
            document = response.json()
            assert document.get("items", document.get("courses")) == [], (role, url, document)
    assert await snapshot(desk) == before
    window = await desk.client.get(f"/v1/availability/{availability_id}", headers=desk.admin)
    assert window.json()["withdrawn_at"] is None
    assert window.json()["free"] == 2


async def test_an_outsiders_session_needs_its_own_forces_course(desk: Desk) -> None:
    course = await desk.course()
    outsider = desk.auth("facilitator", forces=("northshire",))
    response = await desk.client.post(
        "/v1/sessions",
        json={
            "course_type_id": course,
            "starts_at": "2099-03-04T18:30:00+00:00",
            "capacity": 8,
            "join_link": "https://meet.example.org/x",
        },
        headers=outsider,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "course_type_id"
