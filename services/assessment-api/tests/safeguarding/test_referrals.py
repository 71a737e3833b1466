"""Support referrals to the directory's services, and safeguarding referrals raised, followed up
and closed with a note."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import pytest

from assessment_api.safeguarding.schemas import example_safeguarding_referral
from assessment_api.support.schemas import example_support_referral

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def refer(desk: Desk, case_id: str, **changes: Any) -> Any:
    return await desk.client.post(
        f"/v1/cases/{case_id}/support-referrals",
        json={**example_support_referral(), **changes},
        headers=desk.worker,
    )


async def raise_concern(desk: Desk, case_id: str, **changes: Any) -> Any:
    return await desk.client.post(
        f"/v1/cases/{case_id}/safeguarding-referrals",
        json={**example_safeguarding_referral(), **changes},
        headers=desk.worker,
    )


async def test_a_support_referral_is_recorded_listed_and_published(desk: Desk) -> None:
    case_id = await desk.contacted_case()
    response = await refer(desk, case_id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["service_id"], body["service_name"], body["need_domain"]) == (
        "demo-housing-advice",
        "Housing advice and homelessness prevention",
        "housing",
    )
    case = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    assert [r["id"] for r in case["support_referrals"]] == [body["id"]]
    [event] = await desk.events("support.referred.v1")
    assert (str(event.data.support_referral_id), event.data.need_domain, event.data.service_id) == (
        body["id"],
        "housing",
        "demo-housing-advice",
    )
    assert "Rent arrears" not in event.to_json().decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"service_id": "no-such-service"}, "service_id"),
        ({"service_id": "demo-old-drop-in", "need_domain": "mental_health"}, "service_id"),
        ({"need_domain": "gambling"}, "need_domain"),
        ({"need_domain": "hunger"}, "need_domain"),
        ({"person_agreed": False}, "person_agreed"),
    ],
    ids=["unknown-service", "closed-service", "need-not-met", "unknown-need", "no-agreement"],
)
async def test_a_bad_support_referral_names_the_field_and_changes_nothing(
    desk: Desk, changes: dict[str, Any], field: str
) -> None:
    case_id = await desk.contacted_case()
    response = await refer(desk, case_id, **changes)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await desk.events("support.referred.v1") == []


async def test_a_service_of_another_forces_directory_cannot_be_used(desk: Desk) -> None:
    case_id = await desk.new_case(force_id="northshire")
    northshire = desk.auth(forces=("northshire",))
    await desk.reach(case_id, headers=northshire)
    response = await desk.client.post(
        f"/v1/cases/{case_id}/support-referrals",
        json=example_support_referral(),
        headers=northshire,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "service_id"


async def test_no_support_referral_before_the_person_is_reached(desk: Desk) -> None:
    case_id = await desk.new_case()
    assert (await refer(desk, case_id)).status_code == 409


async def test_a_safeguarding_referral_is_raised_followed_up_and_closed_with_a_note(
    desk: Desk,
) -> None:
    case_id = await desk.contacted_case()
    raised = await raise_concern(desk, case_id)
    assert raised.status_code == 201, raised.text
    referral = raised.json()
    assert (referral["status"], referral["needs_follow_up"], referral["urgent"]) == (
        "open",
        True,
        True,
    )
    assert raised.headers["location"] == f"/v1/safeguarding-referrals/{referral['id']}"
    [event] = await desk.events("safeguarding.raised.v1")
    assert (str(event.data.safeguarding_referral_id), event.data.category) == (
        referral["id"],
        "exploitation",
    )
    assert "packages" not in event.to_json().decode()

    waiting = (await desk.client.get("/v1/safeguarding-referrals", headers=desk.worker)).json()
    assert [(r["id"], r["needs_follow_up"]) for r in waiting["items"]] == [(referral["id"], True)]
    case = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    assert case["safeguarding_referrals"][0]["needs_follow_up"] is True

    url = f"/v1/safeguarding-referrals/{referral['id']}"
    followed = await desk.client.patch(
        url, json={"note": "MASH confirmed receipt."}, headers=desk.worker
    )
    assert followed.status_code == 200
    assert followed.json()["status"] == "open"

    no_note = await desk.client.patch(url, json={"status": "closed"}, headers=desk.worker)
    assert no_note.status_code == 422
    assert no_note.json()["errors"][0]["field"] == "note"
    blank = await desk.client.patch(
        url, json={"status": "closed", "note": " "}, headers=desk.worker
    )
    assert blank.status_code == 422
    still = (await desk.client.get(url, headers=desk.worker)).json()
    assert still["status"] == "open" and len(still["follow_ups"]) == 1

    closed = await desk.client.patch(
        url,
        json={"status": "closed", "note": "Allocated to the exploitation team."},
        headers=desk.worker,
    )
    assert closed.status_code == 200
    body = closed.json()
    assert (body["status"], body["needs_follow_up"]) == ("closed", False)
    assert body["closed_at"] is not None
    assert [f["closing"] for f in body["follow_ups"]] == [False, True]

    assert (await desk.client.get("/v1/safeguarding-referrals", headers=desk.worker)).json()[
        "items"
    ] == []
    again = await desk.client.patch(url, json={"note": "one more"}, headers=desk.worker)
    assert again.status_code == 409
    history = await desk.client.get(
        "/v1/safeguarding-referrals", params={"status": "closed"}, headers=desk.worker
    )
    assert [r["id"] for r in history.json()["items"]] == [referral["id"]]


async def test_a_safeguarding_referral_can_be_raised_before_the_assessment_but_not_when_withdrawn(
    desk: Desk,
) -> None:
    case_id = await desk.new_case()
    assert (await raise_concern(desk, case_id)).status_code == 201
    event = desk.referral()
    await desk.receive(event)
    await desk.receive(desk.withdrawal(event.data.referral_id))
    case = await desk.case_of(event.data.referral_id)
    assert case is not None
    assert (await raise_concern(desk, str(case.id))).status_code == 409


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "bad_vibes"}, "category"),
        ({"concern": "short"}, "concern"),
        ({"referred_to": ""}, "referred_to"),
        ({"status": "closed"}, "status"),
    ],
)
async def test_a_bad_safeguarding_referral_names_the_field(
    desk: Desk, changes: dict[str, Any], field: str
) -> None:
    case_id = await desk.contacted_case()
    response = await raise_concern(desk, case_id, **changes)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await desk.events("safeguarding.raised.v1") == []


async def test_another_providers_worker_cannot_see_or_close_a_safeguarding_referral(
    desk: Desk,
) -> None:
    case_id = await desk.contacted_case()
    referral = (await raise_concern(desk, case_id)).json()
    other = desk.auth(forces=("demo",), provider="other-provider")
    url = f"/v1/safeguarding-referrals/{referral['id']}"
    assert (await desk.client.get(url, headers=other)).status_code == 404
    closing = {"status": "closed", "note": "Closed by someone else"}
    assert (await desk.client.patch(url, json=closing, headers=other)).status_code == 404
    assert (await desk.client.get("/v1/safeguarding-referrals", headers=other)).json()[
        "items"
    ] == []


async def test_the_follow_up_list_pages_oldest_first(desk: Desk) -> None:
    raised = []
    for _ in range(5):
        case_id = await desk.contacted_case()
        raised.append((await raise_concern(desk, case_id)).json()["id"])
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (
            await desk.client.get("/v1/safeguarding-referrals", params=params, headers=desk.worker)
        ).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == raised


@pytest.mark.parametrize(
    "raw",
    [
        ["2026-01-01T00:00:00", "5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f"],  # no time zone
        ["9999-12-31T23:00:00-05:00", "5f0c8a4e-3b1d-4c2a-9e7f-1a2b3c4d5e6f"],
        ["2026-01-01T00:00:00+00:00", "not-an-id"],
        ["2026-01-01T00:00:00+00:00", None],
        "2026-01-01T00:00:00+00:00",
    ],
)
async def test_a_crafted_follow_up_list_cursor_is_refused_naming_the_cursor(
    desk: Desk, raw: object
) -> None:
    case_id = await desk.contacted_case()
    assert (await raise_concern(desk, case_id)).status_code == 201
    cursor = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")
    response = await desk.client.get(
        "/v1/safeguarding-referrals", params={"cursor": cursor}, headers=desk.worker
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]
