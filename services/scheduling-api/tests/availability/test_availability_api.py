"""Published availability through the API: windows cut into one-to-one appointments that people
are booked onto like any session, the waiting list filled at once, overlaps refused, and
withdrawal that leaves booked appointments with the people booked."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from contracts.vocabulary import Pathway
from scheduling_api.times import LONDON

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


def in_days(days: int) -> date:
    return (datetime.now(UTC).astimezone(LONDON) + timedelta(days=days)).date()


async def one_to_one_course(desk: Desk, minutes: int = 60) -> str:
    response = await desk.client.post(
        "/v1/course-types",
        json={"pathway": "one_to_one", "name": "One-to-one", "duration_minutes": minutes},
        headers=desk.admin,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def window(day: date, opens: str = "09:00", closes: str = "12:00", **fields: Any) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "from_time": opens,
        "to_time": closes,
        "join_link": "https://meet.example.org/one-to-one",
        **fields,
    }


async def publish(
    desk: Desk, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return await desk.client.post(
        "/v1/availability", json=body, headers=headers or desk.facilitator
    )


async def published(
    desk: Desk, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await publish(desk, body, headers)
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document


async def test_a_window_is_cut_into_one_seat_appointments(desk: Desk) -> None:
    course = await one_to_one_course(desk)
    day = in_days(5)
    answer = await publish(desk, window(day, "09:00", "11:45"))
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"] == f"/v1/availability/{answer.json()['id']}"
    published = answer.json()
    assert published["course_type_id"] == course
    assert published["facilitator_id"] == "facilitator-ade"
    assert published["appointment_minutes"] == 60  # the course's usual length
    starts = [a["starts_at"][11:16] for a in published["appointments"]]
    assert starts == ["09:00", "10:00"]  # 11:00 to 11:45 is shorter than an appointment
    assert (published["booked"], published["free"]) == (0, 2)

    for appointment in published["appointments"]:
        session = await desk.client.get(
            f"/v1/sessions/{appointment['session_id']}", headers=desk.facilitator
        )
        assert session.status_code == 200
        assert session.json()["pathway"] == "one_to_one"
        assert session.json()["capacity"] == 1
        assert session.json()["facilitator_id"] == "facilitator-ade"
        assert session.json()["join_link"] == "https://meet.example.org/one-to-one"
        assert session.json()["starts_at"] == appointment["starts_at"]
    again = await desk.client.get(f"/v1/availability/{published['id']}", headers=desk.admin)
    assert again.json() == published


async def test_a_window_across_the_end_of_summer_time_stays_in_london_time(desk: Desk) -> None:
    await one_to_one_course(desk)
    # Sunday 31 October 2027, the clocks go back at 02:00 BST: midnight to 03:00 is four hours
    found = await published(desk, window(date(2027, 10, 31), "00:00", "03:00"))
    assert [a["starts_at"] for a in found["appointments"]] == [
        "2027-10-31T00:00:00+01:00",
        "2027-10-31T01:00:00+01:00",
        "2027-10-31T01:00:00+00:00",
        "2027-10-31T02:00:00+00:00",
    ]
    assert found["starts_at"] == "2027-10-31T00:00:00+01:00"
    assert found["ends_at"] == "2027-10-31T03:00:00+00:00"
    # and the same afternoon window a week apart starts at 14:00 on the clock both times
    before = await published(desk, window(date(2027, 10, 24), "14:00", "15:00"))
    after = await published(desk, window(date(2027, 11, 7), "14:00", "15:00"))
    assert before["appointments"][0]["starts_at"] == "2027-10-24T14:00:00+01:00"
    assert after["appointments"][0]["starts_at"] == "2027-11-07T14:00:00+00:00"


async def test_a_new_window_seats_the_head_of_the_one_to_one_waiting_list(desk: Desk) -> None:
    await one_to_one_course(desk)
    first = await desk.assessed(pathway=Pathway.one_to_one)
    second = await desk.assessed(pathway=Pathway.one_to_one)
    assert await desk.waiting() == [first, second]

    found = await published(desk, window(in_days(4), "10:00", "11:00"))
    (appointment,) = found["appointments"]
    assert appointment["booked"] is True
    assert (found["booked"], found["free"]) == (1, 0)
    booking = await desk.booking_of(first)
    assert booking is not None
    assert str(booking.session_id) == appointment["session_id"]
    assert await desk.waiting() == [second]
    (event,) = await desk.events("session.booked.v1")
    assert event.data.referral_id == first
    assert event.data.course_type == "one_to_one"


async def test_one_to_one_booking_lands_on_the_earliest_appointment_after_the_lead_time(
    desk: Desk,
) -> None:
    await one_to_one_course(desk)
    await published(desk, window(in_days(1), "09:00", "10:00"))  # inside the 48-hour lead time
    later = await published(desk, window(in_days(4), "13:00", "15:00"))
    await published(desk, window(in_days(3), "16:00", "17:00"))
    referral_id = await desk.assessed(pathway=Pathway.one_to_one)
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    listed = await desk.client.get(
        "/v1/availability", params={"limit": 10}, headers=desk.facilitator
    )
    windows = listed.json()["items"]
    assert [w["appointments"][0]["starts_at"][11:16] for w in windows] == [
        "09:00",
        "16:00",
        "13:00",
    ]
    earliest = windows[1]["appointments"][0]
    assert str(booking.session_id) == earliest["session_id"]
    assert windows[1]["booked"] == 1
    assert later["id"] == windows[2]["id"] and windows[2]["booked"] == 0
    assert windows[0]["booked"] == 0


async def test_a_window_overlapping_the_facilitators_session_is_refused(desk: Desk) -> None:
    await one_to_one_course(desk)
    group = await desk.course()
    day = in_days(6)
    half_past_ten = datetime.combine(day, datetime.min.time(), LONDON) + timedelta(hours=10.5)
    running = await desk.session(group, starts_at=half_past_ten.isoformat())  # 150 minutes

    refused = await publish(desk, window(day, "09:00", "11:00"))
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    detail = refused.json()["detail"]
    assert running["id"] in detail and "10:30" in detail and "overlaps" in detail
    # ends as the group begins, or begins as it ends (13:00): both fit around it
    await published(desk, window(day, "09:00", "10:30"))
    await published(desk, window(day, "13:00", "14:00"))
    # a window over one of those appointments is refused too, naming it
    again = await publish(desk, window(day, "08:30", "09:30"))
    assert again.status_code == 409
    assert "one_to_one session at 09:00" in again.json()["detail"]
    # another facilitator is free then
    other = desk.auth("facilitator", sub="facilitator-bea")
    await published(desk, window(day, "09:00", "11:00"), headers=other)
    listed = await desk.client.get("/v1/availability", headers=desk.admin)
    assert len(listed.json()["items"]) == 3


async def test_withdrawal_keeps_the_booked_appointments(desk: Desk) -> None:
    await one_to_one_course(desk)
    found = await published(desk, window(in_days(5), "09:00", "12:00"))
    referral_id = await desk.assessed(pathway=Pathway.one_to_one)
    booking = await desk.booking_of(referral_id)
    assert booking is not None

    answer = await desk.client.delete(f"/v1/availability/{found['id']}", headers=desk.facilitator)
    assert answer.status_code == 200, answer.text
    withdrawal = answer.json()
    assert (withdrawal["withdrawn"], withdrawal["kept_booked"]) == (2, 1)
    kept = withdrawal["availability"]
    assert kept["withdrawn_at"] is not None
    assert [a["session_id"] for a in kept["appointments"]] == [str(booking.session_id)]
    assert (kept["booked"], kept["free"]) == (1, 0)
    still = await desk.booking_of(referral_id)
    assert still is not None and still.id == booking.id

    sessions = await desk.client.get("/v1/sessions", headers=desk.facilitator)
    assert [s["id"] for s in sessions.json()["items"]] == [str(booking.session_id)]
    newcomer = await desk.assessed(pathway=Pathway.one_to_one)
    assert await desk.waiting() == [newcomer]  # nothing withdrawn is offered again

    twice = await desk.client.delete(f"/v1/availability/{found['id']}", headers=desk.admin)
    assert twice.status_code == 409
    assert "withdrawn" in twice.json()["detail"]
    # the hours are free again, but for the booked appointment
    await published(desk, window(in_days(5), "10:00", "12:00"))
    clash = await publish(desk, window(in_days(5), "09:00", "10:00"))
    assert clash.status_code == 409


async def test_a_withdrawn_appointment_freed_by_a_cancellation_is_not_offered_again(
    desk: Desk,
) -> None:
    await one_to_one_course(desk)
    found = await published(desk, window(in_days(5), "09:00", "10:00"))
    referral_id = await desk.assessed(pathway=Pathway.one_to_one)
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    withdrawn = await desk.client.delete(
        f"/v1/availability/{found['id']}", headers=desk.facilitator
    )
    assert withdrawn.json()["kept_booked"] == 1
    newcomer = await desk.assessed(pathway=Pathway.one_to_one)
    assert await desk.waiting() == [newcomer]

    await desk.receive(desk.withdrawal(referral_id))  # the kept booking is cancelled

    assert await desk.waiting() == [newcomer]  # the facilitator withdrew those hours
    assert await desk.booking_of(newcomer) is None
    capacity = (await desk.client.get("/v1/capacity", headers=desk.admin)).json()
    [one_to_one] = [c for c in capacity["courses"] if c["pathway"] == "one_to_one"]
    assert one_to_one["next_free_seat_at"] is None


async def test_a_force_without_a_one_to_one_course_is_told_to_add_one(desk: Desk) -> None:
    await desk.course()
    refused = await publish(desk, window(in_days(3)))
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "runs no one-to-one course" in refused.json()["detail"]
    assert "POST /v1/course-types" in refused.json()["detail"]
    listed = await desk.client.get("/v1/availability", headers=desk.admin)
    assert listed.json()["items"] == []


async def test_an_administrator_names_the_facilitator_for_a_force_of_theirs(desk: Desk) -> None:
    await one_to_one_course(desk)
    unnamed = await publish(desk, window(in_days(3)), headers=desk.admin)
    assert unnamed.status_code == 422
    assert unnamed.json()["errors"][0]["field"] == "facilitator_id"
    named = await published(
        desk, window(in_days(3), facilitator_id="facilitator-bea"), headers=desk.admin
    )
    assert named["facilitator_id"] == "facilitator-bea"

    for_someone = await publish(desk, window(in_days(4), facilitator_id="facilitator-bea"))
    assert for_someone.status_code == 422
    assert "their own availability" in for_someone.json()["errors"][0]["message"]
    elsewhere = await publish(desk, window(in_days(4), force_id="northshire"))
    assert elsewhere.status_code == 422
    assert elsewhere.json()["errors"][0]["field"] == "force_id"
    two_forces = desk.auth("facilitator", forces=("demo", "northshire"), sub="facilitator-cy")
    chosen = await published(desk, window(in_days(4), force_id="demo"), headers=two_forces)
    assert chosen["force_id"] == "demo"


async def test_a_facilitator_sees_their_own_windows_an_administrator_the_forces(
    desk: Desk,
) -> None:
    await one_to_one_course(desk)
    own = await published(desk, window(in_days(3)))
    bea = desk.auth("facilitator", sub="facilitator-bea")
    theirs = await published(desk, window(in_days(3)), headers=bea)

    mine = await desk.client.get("/v1/availability", headers=desk.facilitator)
    assert [w["id"] for w in mine.json()["items"]] == [own["id"]]
    for method in ("GET", "DELETE"):
        hidden = await desk.client.request(
            method, f"/v1/availability/{theirs['id']}", headers=desk.facilitator
        )
        assert hidden.status_code == 404, (method, hidden.text)
    everyone = await desk.client.get("/v1/availability", headers=desk.admin)
    assert {w["id"] for w in everyone.json()["items"]} == {own["id"], theirs["id"]}
    withdrawn = await desk.client.delete(f"/v1/availability/{theirs['id']}", headers=desk.admin)
    assert withdrawn.status_code == 200
    unknown = await desk.client.get(f"/v1/availability/{uuid.uuid4()}", headers=desk.admin)
    assert unknown.status_code == 404
    assert "no availability with that id" in unknown.json()["detail"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"from_time": "9:00"}, "from_time", "HH:MM"),
        ({"to_time": "24:00"}, "to_time", "24-hour clock"),
        ({"from_time": "12:00", "to_time": "11:00"}, "to_time", "after from_time"),
        ({"appointment_minutes": 240, "to_time": "10:00"}, "to_time", "shorter than one"),
        ({"date": "2027-03-28", "from_time": "01:30"}, "from_time", "does not exist"),
        ({"date": "2001-01-05"}, "date", "future"),
        ({"date": "05/01/2099"}, "date", "YYYY-MM-DD"),
        ({"join_link": None}, "body", "join_link"),
        ({"appointment_minutes": 5}, "appointment_minutes", "15"),
        ({"language": "polish!"}, "language", "BCP 47"),
    ],
)
async def test_a_window_is_refused_with_the_reason_and_nothing_changes(
    desk: Desk, fields: dict[str, Any], field: str, message: str
) -> None:
    await one_to_one_course(desk)
    response = await publish(desk, window(in_days(3), **fields))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert any(e["field"].startswith(field) and message in e["message"] for e in errors), errors
    listed = await desk.client.get("/v1/availability", headers=desk.admin)
    assert listed.json()["items"] == []


async def test_publishing_again_with_the_same_key_publishes_once(desk: Desk) -> None:
    await one_to_one_course(desk)
    headers = {**desk.facilitator, "Idempotency-Key": "window-monday-morning"}
    first = await publish(desk, window(in_days(3)), headers=headers)
    second = await publish(desk, window(in_days(3)), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    other = await publish(desk, window(in_days(4)), headers=headers)
    assert other.status_code == 422
    listed = await desk.client.get("/v1/availability", headers=desk.admin)
    assert len(listed.json()["items"]) == 1
