"""Attendance, by the session's facilitator once it has started: attended completes the
intervention once; missed offers the next suitable session before the deadline, else the
person did not engage, once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from scheduling_api.courses.models import ForceSettings

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def mark(desk: Desk, session_id: str, outcome: str, *booking_ids: Any, **kw: Any) -> Any:
    return await desk.client.post(
        f"/v1/sessions/{session_id}/attendance",
        json={"marks": [{"booking_id": str(b), "outcome": outcome} for b in booking_ids]},
        headers=kw.get("headers", desk.facilitator),
    )


async def booked_person(desk: Desk, **session_fields: Any) -> tuple[str, Any, Any]:
    course = await desk.course()
    await desk.session(course, in_days=4, **session_fields)
    referral_id = await desk.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    return course, referral_id, booking


async def test_attended_completes_the_intervention_exactly_once(desk: Desk) -> None:
    _, referral_id, booking = await booked_person(desk)
    session_id = str(booking.session_id)
    await desk.start_session(session_id)

    first = await mark(desk, session_id, "attended", booking.id)
    assert first.status_code == 200, first.text
    assert first.json()["results"] == [
        {"booking_id": str(booking.id), "outcome": "attended", "next_booking_id": None}
    ]
    again = await mark(desk, session_id, "attended", booking.id)
    assert again.status_code == 200

    attended = await desk.events("session.attended.v1")
    completed = await desk.events("intervention.completed.v1")
    assert [e.data.booking_id for e in attended] == [booking.id]
    assert [e.data.referral_id for e in completed] == [referral_id]
    assert completed[0].data.course_type == "cannabis_group"
    participant = await desk.participant(referral_id)
    assert participant is not None and participant.status == "completed"
    assert (await desk.bookings_of(referral_id))[0].status == "attended"


async def test_missed_offers_the_next_suitable_session(desk: Desk) -> None:
    course, referral_id, booking = await booked_person(desk)
    following = await desk.session(course, in_days=11)
    await desk.start_session(str(booking.session_id))

    response = await mark(desk, str(booking.session_id), "missed", booking.id)
    assert response.status_code == 200, response.text
    offered = await desk.booking_of(referral_id)
    assert offered is not None and str(offered.session_id) == following["id"]
    assert response.json()["results"][0]["next_booking_id"] == str(offered.id)
    assert [e.data.booking_id for e in await desk.events("session.missed.v1")] == [booking.id]
    rebooked = [e for e in await desk.events("session.booked.v1") if e.data.rebooking]
    assert [e.data.booking_id for e in rebooked] == [offered.id]
    assert await desk.events("intervention.not_engaged.v1") == []


async def test_missing_with_nothing_before_the_deadline_is_not_engaging_once(desk: Desk) -> None:
    async with desk.runtime.db.session() as session:
        session.add(
            ForceSettings(
                force_id="demo",
                lead_time_hours=48,
                rebooking_limit=2,
                engagement_days=10,
                updated_at=datetime.now(UTC),
            )
        )
        await session.commit()
    course, referral_id, booking = await booked_person(desk)
    await desk.session(course, in_days=12)  # after the 10-day window
    await desk.start_session(str(booking.session_id))

    response = await mark(desk, str(booking.session_id), "missed", booking.id)
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["next_booking_id"] is None
    again = await mark(desk, str(booking.session_id), "missed", booking.id)
    assert again.status_code == 200
    not_engaged = await desk.events("intervention.not_engaged.v1")
    assert [(e.data.referral_id, e.data.sessions_missed) for e in not_engaged] == [(referral_id, 1)]
    assert len(await desk.events("session.missed.v1")) == 1
    participant = await desk.participant(referral_id)
    assert participant is not None and participant.status == "not_engaged"


async def test_a_marked_booking_cannot_change_its_outcome(desk: Desk) -> None:
    _, _, booking = await booked_person(desk)
    await desk.start_session(str(booking.session_id))
    assert (await mark(desk, str(booking.session_id), "attended", booking.id)).status_code == 200
    response = await mark(desk, str(booking.session_id), "missed", booking.id)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "already attended" in response.json()["detail"]
    assert await desk.events("session.missed.v1") == []


async def test_only_the_sessions_facilitator_records_its_attendance(desk: Desk) -> None:
    _, _, booking = await booked_person(desk)
    await desk.start_session(str(booking.session_id))
    other = desk.auth("facilitator", sub="facilitator-bea")
    response = await mark(desk, str(booking.session_id), "attended", booking.id, headers=other)
    assert response.status_code == 404  # another facilitator's session, as if absent
    assert response.json()["type"].endswith("session-not-found")
    assert await desk.events("session.attended.v1") == []


async def test_attendance_waits_for_the_session_to_start(desk: Desk) -> None:
    _, _, booking = await booked_person(desk)
    response = await mark(desk, str(booking.session_id), "attended", booking.id)
    assert response.status_code == 409
    assert "not started" in response.json()["detail"]


async def test_a_booking_of_another_session_is_refused_and_nothing_applies(desk: Desk) -> None:
    course, _, booking = await booked_person(desk)
    other_session = await desk.session(course, in_days=20)
    await desk.start_session(other_session["id"])
    await desk.start_session(str(booking.session_id))
    response = await desk.client.post(
        f"/v1/sessions/{other_session['id']}/attendance",
        json={"marks": [{"booking_id": str(booking.id), "outcome": "attended"}]},
        headers=desk.facilitator,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "marks[0].booking_id"


async def test_all_marks_apply_or_none(desk: Desk) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=4)
    first, second = await desk.assessed(), await desk.assessed()
    one, two = await desk.booking_of(first), await desk.booking_of(second)
    assert one is not None and two is not None
    await desk.start_session(seat["id"])
    assert (await mark(desk, seat["id"], "attended", two.id)).status_code == 200
    response = await desk.client.post(
        f"/v1/sessions/{seat['id']}/attendance",
        json={
            "marks": [
                {"booking_id": str(one.id), "outcome": "attended"},
                {"booking_id": str(two.id), "outcome": "missed"},
            ]
        },
        headers=desk.facilitator,
    )
    assert response.status_code == 409
    current = await desk.booking_of(first)
    assert current is not None and current.id == one.id  # still booked, not attended
    assert len(await desk.events("intervention.completed.v1")) == 1


async def test_a_withdrawal_arriving_after_completion_leaves_the_intervention_completed(
    desk: Desk,
) -> None:
    """referral-api refuses a withdrawal once it knows the intervention is complete; one sent
    just before it knew still reaches here, and changes nothing
    (docs/decisions/0013-withdrawal-until-closed.md)."""
    _, referral_id, booking = await booked_person(desk)
    session_id = str(booking.session_id)
    await desk.start_session(session_id)
    assert (await mark(desk, session_id, "attended", booking.id)).status_code == 200
    published = await desk.events()

    assert await desk.receive(desk.withdrawal(referral_id)) == "applied"

    participant = await desk.participant(referral_id)
    assert participant is not None and participant.status == "completed"
    assert [b.status for b in await desk.bookings_of(referral_id)] == ["attended"]
    assert [e.id for e in await desk.events()] == [e.id for e in published]
