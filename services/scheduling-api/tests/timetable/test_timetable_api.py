"""Course types, sessions, bookings and capacity through the API: what is refused, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from contracts.vocabulary import Pathway

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def test_a_force_runs_one_course_per_pathway(desk: Desk) -> None:
    await desk.course(Pathway.cannabis_group)
    again = await desk.client.post(
        "/v1/course-types",
        json={"pathway": "cannabis_group", "name": "Another"},
        headers=desk.admin,
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert "already runs a cannabis_group course" in again.json()["detail"]
    listed = await desk.client.get("/v1/course-types", headers=desk.admin)
    assert [c["pathway"] for c in listed.json()["items"]] == ["cannabis_group"]


def session_body(course_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "course_type_id": course_id,
        "starts_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        "capacity": 10,
        "join_link": "https://meet.example.org/group",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"starts_at": "2099-01-05T18:30:00"}, "starts_at", "timezone"),
        ({"starts_at": "2001-01-05T18:30:00+00:00"}, "starts_at", "future"),
        ({"join_link": None}, "body", "join_link"),
        ({"delivery_mode": "venue", "join_link": None}, "body", "venue"),
        ({"join_link": "http://meet.example.org/x"}, "join_link", "https"),
        ({"language": "polish!"}, "language", "BCP 47"),
        ({"capacity": 0}, "capacity", "1 or more"),
        ({"capacity": "10"}, "capacity", "whole number"),
    ],
)
async def test_a_session_is_refused_with_the_reason(
    desk: Desk, fields: dict[str, Any], field: str, message: str
) -> None:
    course = await desk.course()
    response = await desk.client.post(
        "/v1/sessions", json=session_body(course, **fields), headers=desk.facilitator
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert any(e["field"].startswith(field) and message in e["message"] for e in errors), errors


async def test_sessions_are_shown_in_london_time(desk: Desk) -> None:
    course = await desk.course()
    summer = await desk.session(course, starts_at="2099-07-01T17:30:00+00:00")
    winter = await desk.session(course, starts_at="2099-12-01T18:30:00Z")
    assert summer["starts_at"] == "2099-07-01T18:30:00+01:00"
    assert winter["starts_at"] == "2099-12-01T18:30:00+00:00"
    assert summer["facilitator_id"] == "facilitator-ade"
    assert summer["duration_minutes"] == 150  # the course's
    fetched = await desk.client.get(f"/v1/sessions/{summer['id']}", headers=desk.admin)
    assert fetched.json() == summer
    listed = await desk.client.get("/v1/sessions", headers=desk.facilitator)
    assert [s["id"] for s in listed.json()["items"]] == [summer["id"], winter["id"]]


async def test_an_administrator_names_the_facilitator(desk: Desk) -> None:
    course = await desk.course()
    unnamed = await desk.client.post("/v1/sessions", json=session_body(course), headers=desk.admin)
    assert unnamed.status_code == 422
    assert unnamed.json()["errors"][0]["field"] == "facilitator_id"
    named = await desk.session(course, facilitator_id="facilitator-bea", headers=desk.admin)
    assert named["facilitator_id"] == "facilitator-bea"
    someone_else = await desk.client.post(
        "/v1/sessions",
        json=session_body(course, facilitator_id="facilitator-bea"),
        headers=desk.facilitator,
    )
    assert someone_else.status_code == 422


async def test_bookings_by_referral_or_session(desk: Desk) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=4)
    first, second = await desk.assessed(), await desk.assessed()
    by_session = await desk.client.get(
        "/v1/bookings", params={"session_id": seat["id"]}, headers=desk.worker
    )
    assert {b["referral_id"] for b in by_session.json()["items"]} == {str(first), str(second)}
    by_referral = await desk.client.get(
        "/v1/bookings", params={"referral_id": str(first)}, headers=desk.facilitator
    )
    (only,) = by_referral.json()["items"]
    assert only["session_id"] == seat["id"]
    assert only["session_starts_at"] == seat["starts_at"]
    assert only["pathway"] == "cannabis_group"
    assert only["status"] == "booked"
    one = await desk.client.get(f"/v1/bookings/{only['id']}", headers=desk.worker)
    assert one.json() == only


async def test_capacity_shows_the_backlog_and_the_room(desk: Desk) -> None:
    cannabis = await desk.course()
    cocaine = await desk.course(Pathway.cocaine_group)
    await desk.session(cannabis, in_days=4, capacity=2)
    later = await desk.session(cannabis, in_days=10, capacity=3)
    await desk.session(cannabis, in_days=40, capacity=5)  # beyond four weeks
    for _ in range(2):
        await desk.assessed()
    await desk.assessed(pathway=Pathway.cocaine_group)
    await desk.assessed(pathway=Pathway.cocaine_group)

    response = await desk.client.get("/v1/capacity", headers=desk.admin)
    assert response.status_code == 200, response.text
    courses = {c["pathway"]: c for c in response.json()["courses"]}
    assert courses["cannabis_group"]["waiting"] == 0
    assert courses["cannabis_group"]["seats_booked"] == 2
    assert courses["cannabis_group"]["seats_free"] == 3
    assert courses["cannabis_group"]["next_free_seat_at"] == later["starts_at"]
    assert 9.9 <= courses["cannabis_group"]["wait_days"] <= 10.1
    assert courses["cocaine_group"]["course_type_id"] == cocaine
    assert courses["cocaine_group"]["waiting"] == 2
    assert courses["cocaine_group"]["next_free_seat_at"] is None
    assert courses["cocaine_group"]["wait_days"] is None
    assert courses["cocaine_group"]["seats_free"] == 0
