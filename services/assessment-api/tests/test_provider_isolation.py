"""Isolation between providers: a case belongs to the provider serving its force when the case
opens, and only that provider's workers see or change it. One provider serves a force at a time;
when a force moves to another provider, its open cases stay with the provider they opened under
and the new provider gets the referrals that arrive from then on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from assessment_api.assessments.schemas import example_assessment
from assessment_api.cases.models import Case
from assessment_api.providers.models import ProviderForce
from assessment_api.safeguarding.schemas import example_safeguarding_referral
from assessment_api.support.schemas import example_support_referral

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db

A = "demo-provider"
B = "other-provider"


def a_worker(desk: Desk) -> dict[str, str]:
    return desk.auth(forces=("demo", "northshire"), provider=A, sub="worker-a")


def b_worker(desk: Desk) -> dict[str, str]:
    # the token names the force as well: only the provider tells the two workers apart
    return desk.auth(forces=("demo", "westshire"), provider=B, sub="worker-b")


async def move_force(desk: Desk, force_id: str, to: str) -> None:
    """An administrator re-points the force at another provider (a new contract)."""
    async with desk.runtime.db.session() as session:
        await session.execute(
            text("UPDATE provider_forces SET provider_id = :to WHERE force_id = :force"),
            {"to": to, "force": force_id},
        )
        await session.commit()


async def queue(desk: Desk, headers: dict[str, str], **params: Any) -> set[str]:
    ids: set[str] = set()
    for statuses in (None, ["awaiting_contact", "contacted", "assessed", "not_engaged"]):
        query = {**params, **({"status": statuses} if statuses else {})}
        response = await desk.client.get("/v1/cases", params=query, headers=headers)
        assert response.status_code == 200, response.text
        ids |= {c["id"] for c in response.json()["items"]}
    return ids


async def safeguarding_list(desk: Desk, headers: dict[str, str]) -> set[str]:
    response = await desk.client.get(
        "/v1/safeguarding-referrals", params={"status": ["open", "closed"]}, headers=headers
    )
    assert response.status_code == 200, response.text
    return {r["id"] for r in response.json()["items"]}


async def a_case_with_everything(desk: Desk, headers: dict[str, str]) -> tuple[str, str]:
    """A demo case reached, with a saved assessment and a safeguarding referral."""
    case_id = await desk.new_case(force_id="demo")
    await desk.reach(case_id, headers=headers)
    saved = await desk.client.put(
        f"/v1/cases/{case_id}/assessment", json=example_assessment(), headers=headers
    )
    assert saved.status_code == 200, saved.text
    raised = await desk.client.post(
        f"/v1/cases/{case_id}/safeguarding-referrals",
        json=example_safeguarding_referral(),
        headers=headers,
    )
    assert raised.status_code == 201, raised.text
    return case_id, raised.json()["id"]


def case_calls(case_id: str, safeguarding_id: str) -> list[tuple[str, str, Any]]:
    """Every worker call that names a case or one of its records."""
    case = f"/v1/cases/{case_id}"
    safeguarding = f"/v1/safeguarding-referrals/{safeguarding_id}"
    return [
        ("GET", case, None),
        ("POST", f"{case}/contact-attempts", {"channel": "phone", "result": "voicemail"}),
        ("GET", f"{case}/assessment", None),
        ("PUT", f"{case}/assessment", example_assessment()),
        ("POST", f"{case}/assessment/completion", {}),
        ("POST", f"{case}/support-referrals", example_support_referral()),
        ("POST", f"{case}/safeguarding-referrals", example_safeguarding_referral()),
        ("GET", safeguarding, None),
        ("PATCH", safeguarding, {"note": "Called the MASH back."}),
    ]


async def state(desk: Desk, case_id: str, headers: dict[str, str]) -> tuple[Any, ...]:
    """What the owner sees of the case, and every event staged so far."""
    case = (await desk.client.get(f"/v1/cases/{case_id}", headers=headers)).json()
    return (
        len(await desk.events()),
        case["status"],
        len(case["contact_attempts"]),
        case["assessment"],
        len(case["support_referrals"]),
        len(case["safeguarding_referrals"]),
    )


async def provider_of_case(desk: Desk, case_id: str) -> str | None:
    async with desk.runtime.db.session() as session:
        case: Case | None = await session.get(Case, uuid.UUID(case_id))
        assert case is not None
        return case.provider_id


# --- the case records its provider ------------------------------------------------------------


async def test_a_case_belongs_to_the_provider_serving_its_force_when_it_opens(desk: Desk) -> None:
    demo = await desk.new_case(force_id="demo")
    northshire = await desk.new_case(force_id="northshire")
    westshire = await desk.new_case(force_id="westshire")
    assert await provider_of_case(desk, demo) == A
    assert await provider_of_case(desk, northshire) == A
    assert await provider_of_case(desk, westshire) == B


async def test_one_provider_serves_a_force_at_a_time(desk: Desk) -> None:
    demo = await desk.new_case(force_id="demo")
    async with desk.runtime.db.session() as session:
        session.add(ProviderForce(provider_id=B, force_id="demo", since=_now()))
        with pytest.raises(IntegrityError):
            await session.flush()
    # two providers for one force cannot be configured, so B's worker still cannot see the case
    assert await queue(desk, b_worker(desk)) == set()
    assert (await desk.client.get(f"/v1/cases/{demo}", headers=b_worker(desk))).status_code == 404


# --- a force moves to another provider --------------------------------------------------------


async def test_after_a_move_the_new_provider_cannot_touch_the_old_providers_case(
    desk: Desk,
) -> None:
    case_id, safeguarding_id = await a_case_with_everything(desk, a_worker(desk))
    await move_force(desk, "demo", B)
    before = await state(desk, case_id, a_worker(desk))

    missing_case = str(uuid.uuid4())
    missing_safeguarding = str(uuid.uuid4())
    absent = {
        (method, url.replace(missing_case, "{case}").replace(missing_safeguarding, "{sg}")): (
            response.status_code,
            response.json()["type"],
        )
        for method, url, body in case_calls(missing_case, missing_safeguarding)
        for response in [await _call(desk, method, url, body, b_worker(desk))]
    }
    for method, url, body in case_calls(case_id, safeguarding_id):
        response = await _call(desk, method, url, body, b_worker(desk))
        key = (method, url.replace(case_id, "{case}").replace(safeguarding_id, "{sg}"))
        assert response.status_code == 404, (method, url, response.text)
        # exactly as a case (or referral) that does not exist
        assert (response.status_code, response.json()["type"]) == absent[key], key
        assert "Okafor" not in response.text and "07700" not in response.text

    assert case_id not in await queue(desk, b_worker(desk))
    assert case_id not in await queue(desk, b_worker(desk), overdue="false")
    assert safeguarding_id not in await safeguarding_list(desk, b_worker(desk))
    assert await state(desk, case_id, a_worker(desk)) == before


async def test_after_a_move_the_old_provider_still_works_its_open_case(desk: Desk) -> None:
    case_id, safeguarding_id = await a_case_with_everything(desk, a_worker(desk))
    await move_force(desk, "demo", B)
    worker = a_worker(desk)
    assert case_id in await queue(desk, worker)
    assert safeguarding_id in await safeguarding_list(desk, worker)
    # the directory of the case's force is still there to refer from
    services = await desk.client.get("/v1/services", params={"force": "demo"}, headers=worker)
    assert "demo-housing-advice" in {s["id"] for s in services.json()["items"]}
    for method, url, body in case_calls(case_id, safeguarding_id):
        response = await _call(desk, method, url, body, worker)
        assert response.status_code in (200, 201), (method, url, response.text)
    case = (await desk.client.get(f"/v1/cases/{case_id}", headers=worker)).json()
    assert case["status"] == "assessed"
    assert len(case["support_referrals"]) == 1
    assert len(case["safeguarding_referrals"]) == 2
    assert await provider_of_case(desk, case_id) == A


async def test_after_a_move_new_referrals_go_to_the_new_provider_only(desk: Desk) -> None:
    old = await desk.new_case(force_id="demo")
    await move_force(desk, "demo", B)
    new = await desk.new_case(force_id="demo")
    assert await provider_of_case(desk, new) == B
    assert await queue(desk, a_worker(desk)) == {old}
    assert await queue(desk, b_worker(desk)) == {new}
    assert (await desk.client.get(f"/v1/cases/{new}", headers=a_worker(desk))).status_code == 404
    reached = await desk.client.post(
        f"/v1/cases/{new}/contact-attempts",
        json={"channel": "phone", "result": "answered"},
        headers=b_worker(desk),
    )
    assert reached.status_code == 201, reached.text


async def test_serving_a_force_moves_it_and_keeps_open_cases_where_they_are(desk: Desk) -> None:
    from assessment_api.cases.service import serve_force
    from assessment_api.providers.repository import provider_serving

    old = await desk.new_case(force_id="demo")
    async with desk.runtime.db.session() as session:
        await serve_force(session=session, provider_id=B, force_id="demo", now=_now())
        await session.commit()
    async with desk.runtime.db.session() as session:
        assert await provider_serving(session=session, force_id="demo") == B
        rows = (
            await session.scalars(select(ProviderForce).where(ProviderForce.force_id == "demo"))
        ).all()
        assert [r.provider_id for r in rows] == [B]
    assert await provider_of_case(desk, old) == A
    assert await provider_of_case(desk, await desk.new_case(force_id="demo")) == B


async def test_seeding_again_with_a_forces_new_provider_moves_the_force(
    desk: Desk, assessment_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessment_api import seed as seeding

    old = await desk.new_case(force_id="demo")
    monkeypatch.setattr(seeding, "PROVIDER_FORCES", {B: ["demo", "westshire"], A: ["northshire"]})
    await seeding.seed(assessment_database)
    await seeding.seed(assessment_database)
    async with desk.runtime.db.session() as session:
        links = (
            await session.execute(select(ProviderForce.force_id, ProviderForce.provider_id))
        ).all()
    assert sorted(links) == [("demo", B), ("northshire", A), ("westshire", B)]
    assert await provider_of_case(desk, old) == A


# --- a force no provider serves ---------------------------------------------------------------


async def test_a_case_of_a_force_no_provider_serves_is_on_no_queue_until_one_does(
    desk: Desk,
) -> None:
    from assessment_api.cases.service import serve_force

    case_id = await desk.new_case(force_id="eastshire")
    assert await provider_of_case(desk, case_id) is None
    for provider in (A, B):
        headers = desk.auth(forces=("eastshire",), provider=provider)
        assert await queue(desk, headers) == set()
        assert (await desk.client.get(f"/v1/cases/{case_id}", headers=headers)).status_code == 404

    async with desk.runtime.db.session() as session:
        await serve_force(session=session, provider_id=B, force_id="eastshire", now=_now())
        await session.commit()
    assert await provider_of_case(desk, case_id) == B
    assert await queue(desk, desk.auth(forces=("eastshire",), provider=B)) == {case_id}
    assert await queue(desk, desk.auth(forces=("eastshire",), provider=A)) == set()


async def _call(
    desk: Desk, method: str, url: str, body: Any, headers: dict[str, str]
) -> httpx.Response:
    return await desk.client.request(method, url, json=body, headers=headers)


def _now() -> datetime:
    return datetime.now(UTC)
