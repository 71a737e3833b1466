"""The worker's queue: overdue and oldest first, filters, and cursor pagination."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def queue(desk: Desk, **params: object) -> list[dict[str, object]]:
    response = await desk.client.get("/v1/cases", params=params, headers=desk.worker)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_overdue_cases_come_first_then_the_oldest(desk: Desk) -> None:
    now = datetime.now(UTC)
    # due in two days, referred an hour ago
    fresh = await desk.new_case(submitted_at=now - timedelta(hours=1), first_contact_hours=48)
    # overdue for first contact by a day
    late = await desk.new_case(submitted_at=now - timedelta(days=4), first_contact_hours=72)
    # most overdue: referred five days ago with a 48 hour target
    later = await desk.new_case(submitted_at=now - timedelta(days=5), first_contact_hours=48)
    # due tomorrow, referred two days ago
    middle = await desk.new_case(submitted_at=now - timedelta(days=2), first_contact_hours=72)

    items = await queue(desk)
    assert [i["id"] for i in items] == [later, late, middle, fresh]
    assert [i["overdue"] for i in items] == [True, True, False, False]

    assert [i["id"] for i in await queue(desk, overdue="true")] == [later, late]
    assert [i["id"] for i in await queue(desk, overdue="false")] == [middle, fresh]


async def test_once_contacted_a_case_is_due_by_the_engagement_deadline(desk: Desk) -> None:
    now = datetime.now(UTC)
    reached = await desk.new_case(submitted_at=now - timedelta(days=4), engagement_days=28)
    waiting = await desk.new_case(submitted_at=now - timedelta(days=1))
    await desk.reach(reached)

    items = await queue(desk)
    assert [i["id"] for i in items] == [waiting, reached]
    assert items[1]["status"] == "contacted"
    assert items[1]["due_at"] == items[1]["engagement_deadline"]
    assert items[1]["overdue"] is False
    assert items[1]["attempts"] == 1


async def test_filter_by_status_and_due_date(desk: Desk) -> None:
    now = datetime.now(UTC)
    soon = await desk.new_case(submitted_at=now - timedelta(hours=2), first_contact_hours=24)
    later = await desk.new_case(submitted_at=now - timedelta(hours=2), first_contact_hours=24 * 6)
    contacted = await desk.new_case()
    await desk.reach(contacted)

    assert {i["id"] for i in await queue(desk, status="awaiting_contact")} == {soon, later}
    assert [i["id"] for i in await queue(desk, status="contacted")] == [contacted]
    due_day = (now - timedelta(hours=2) + timedelta(hours=24)).date().isoformat()
    assert [i["id"] for i in await queue(desk, due_from=due_day, due_to=due_day)] == [soon]
    after = (now + timedelta(days=3)).date().isoformat()
    assert {i["id"] for i in await queue(desk, due_from=after)} == {later, contacted}

    reversed_range = await desk.client.get(
        "/v1/cases", params={"due_from": after, "due_to": due_day}, headers=desk.worker
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["errors"][0]["field"] == "due_from"


async def test_pages_follow_the_cursor_without_gaps_or_repeats(desk: Desk) -> None:
    now = datetime.now(UTC)
    ids = [
        await desk.new_case(submitted_at=now - timedelta(hours=hours)) for hours in range(7, 0, -1)
    ]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = (await desk.client.get("/v1/cases", params=params, headers=desk.worker)).json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    assert pages == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"status": "lost"}, "status"),
        ({"due_from": "yesterday"}, "due_from"),
        ({"due_to": "9999-12-31"}, "due_to"),
        ({"due_from": "2026-01-01", "due_to": "9999-12-31"}, "due_to"),
    ],
)
async def test_bad_queue_parameters_name_the_field(
    desk: Desk, params: dict[str, object], field: str
) -> None:
    response = await desk.client.get("/v1/cases", params=params, headers=desk.worker)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["field"].split(".")[0] == field for e in response.json()["errors"])


def crafted(raw: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


CASE_ID = "5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f"


@pytest.mark.parametrize(
    "raw",
    [
        ["2026-01-01T00:00:00", "2026-01-01T00:00:00+00:00", CASE_ID],  # no time zone
        ["2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00", CASE_ID],
        ["2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00", "not-an-id"],
        ["9999-12-31T23:00:00-05:00", "2026-01-01T00:00:00+00:00", CASE_ID],  # past year 9999
        ["2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00", 12345],
        ["2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"],
        {"due_at": "2026-01-01T00:00:00+00:00"},
    ],
)
async def test_a_crafted_cursor_is_refused_naming_the_cursor(desk: Desk, raw: object) -> None:
    await desk.new_case()
    response = await desk.client.get(
        "/v1/cases", params={"cursor": crafted(raw)}, headers=desk.worker
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


async def test_a_cursor_in_another_time_zone_pages_like_utc(desk: Desk) -> None:
    ids = [await desk.new_case(first_contact_hours=h) for h in (10, 20)]
    first = (await desk.client.get("/v1/cases", params={"limit": 1}, headers=desk.worker)).json()
    cursor = first["next_cursor"]
    due_at, received_at, last_id = json.loads(
        base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    )
    west = timezone(timedelta(hours=-5))
    shifted = [
        datetime.fromisoformat(t).astimezone(west).isoformat() for t in (due_at, received_at)
    ]
    page = await desk.client.get(
        "/v1/cases",
        params={"limit": 1, "cursor": crafted([*shifted, last_id])},
        headers=desk.worker,
    )
    assert page.status_code == 200, page.text
    assert [item["id"] for item in first["items"] + page.json()["items"]] == ids
