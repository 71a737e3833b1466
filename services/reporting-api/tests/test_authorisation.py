"""Who may read what: reports to the force's analysts and supervisors only, the rebuild to
administrators only, and no report that names a referral, a person or an officer."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI

from reporting_api.forces.models import ForceSettings
from reporting_api.projections.models import Generation, GenerationState
from reporting_api.reports.dimensions import Breakdown
from servicekit.db import utcnow

if TYPE_CHECKING:
    import httpx
    from conftest import AuthHeaders

    from reporting_api.synthetic.events import JourneyEvents

pytestmark = pytest.mark.db

READERS = ["analyst", "supervisor"]
OTHERS = ["officer", "worker", "facilitator", "integration", "admin"]


def report_paths(app: FastAPI) -> list[str]:
    """Every report the service answers, from its OpenAPI document."""
    paths = sorted(
        path
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/v1/reports/") and "get" in item
    )
    assert {"/v1/reports/summary", "/v1/reports/timeliness", "/v1/reports/needs"} <= set(paths)
    return paths


@pytest.mark.parametrize("role", READERS)
async def test_analysts_and_supervisors_get_every_report(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    projected: list[JourneyEvents],
    history_period: dict[str, str],
    role: str,
) -> None:
    for path in report_paths(app):
        answer = await client.get(path, params=history_period, headers=auth(role))
        assert answer.status_code == 200, (path, answer.text)
        assert answer.json()["force"] == "demo"


@pytest.mark.parametrize("role", OTHERS)
async def test_other_roles_are_refused_every_report(
    app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders, role: str
) -> None:
    for path in report_paths(app):
        answer = await client.get(path, headers=auth(role))
        assert answer.status_code == 403, (path, role, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")


async def test_no_token_is_a_401(app: FastAPI, client: httpx.AsyncClient) -> None:
    for path in report_paths(app):
        answer = await client.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["content-type"].startswith("application/problem+json")


async def test_another_forces_analyst_cannot_ask_for_this_force(
    app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    northshire = auth("analyst", forces=("northshire",))
    for path in report_paths(app):
        answer = await client.get(path, params={"force": "demo"}, headers=northshire)
        assert answer.status_code == 403, path
        assert "demo" in answer.json()["detail"]


async def test_a_token_for_two_forces_must_name_one(
    app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    both = auth("analyst", forces=("demo", "northshire"))
    for path in report_paths(app):
        answer = await client.get(path, headers=both)
        assert answer.status_code == 422, path
        assert answer.json()["errors"][0]["field"] == "force"
        named = await client.get(path, params={"force": "northshire"}, headers=both)
        assert named.status_code == 200, (path, named.text)
        assert named.json()["force"] == "northshire"


async def test_administrators_rebuild_and_nobody_else(
    app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    for role in [*READERS, "officer", "worker", "facilitator", "integration"]:
        refused = await client.post("/v1/admin/rebuild", headers=auth(role))
        assert refused.status_code == 403, role
    started = await client.post("/v1/admin/rebuild", headers=auth("admin"))
    assert started.status_code == 202, started.text
    generation = started.json()["generation"]
    assert started.headers["location"] == f"/v1/admin/rebuilds/{generation}"
    again = await client.post("/v1/admin/rebuild", headers=auth("admin"))
    # the first may have finished already (no streams to replay here), or still be running
    assert again.status_code in (202, 409), again.text
    for role in READERS:
        progress = await client.get(f"/v1/admin/rebuilds/{generation}", headers=auth(role))
        assert progress.status_code == 403
    assert (await client.post("/v1/admin/rebuild")).status_code == 401


async def test_a_second_rebuild_while_one_runs_is_a_409_naming_it(
    client: httpx.AsyncClient, auth: AuthHeaders, db: Any
) -> None:
    async with db.session() as session:
        now = utcnow()
        session.add(
            Generation(
                generation=7,
                state=GenerationState.building,
                requested_at=now,
                heartbeat_at=now,
                events_replayed=0,
            )
        )
        await session.commit()
    answer = await client.post("/v1/admin/rebuild", headers=auth("admin"))
    assert answer.status_code == 409
    assert "/v1/admin/rebuilds/7" in answer.json()["detail"]


def identifiers(history: list[JourneyEvents]) -> set[str]:
    """Every id, key and reference the events carry about a referral, a person or an officer."""
    found: set[str] = set()
    for journey in history:
        for event in journey.events:
            data = event.data.model_dump(mode="json")
            for name, value in data.items():
                if name.endswith(("_id", "_key")) or name == "reference":
                    if name == "force_id" or name.startswith("service"):
                        continue
                    found.add(str(value).lower())
    return found


async def test_no_report_names_a_referral_a_person_or_an_officer(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    db: Any,
    projected: list[JourneyEvents],
    history_period: dict[str, str],
) -> None:
    # nothing suppressed: every figure there is, shown
    async with db.session() as session:
        session.add(
            ForceSettings(
                force_id="demo",
                minutes_per_arrest=255,
                suppression_threshold=1,
                updated_at=utcnow(),
            )
        )
        await session.commit()
    secrets = identifiers(projected)
    assert any(s.startswith("officer-key-") for s in secrets)
    assert any(s.startswith("person-key-") for s in secrets)
    assert any(s.startswith("syn-") for s in secrets)  # the references
    assert sum(1 for s in secrets if _is_uuid(s)) > 60  # referrals, cases, bookings...
    scanned = 0
    for path in report_paths(app):
        for by in [None, *Breakdown]:
            params = {**history_period, **({"by": by.value} if by else {})}
            answer = await client.get(path, params=params, headers=auth())
            if answer.status_code == 422 and answer.json()["type"].endswith("no-breakdown"):
                continue
            assert answer.status_code == 200, (path, by, answer.text)
            bodies = [answer.text]
            for table in answer.json()["tables"]:
                as_csv = await client.get(
                    path,
                    params={**params, "table": table["id"]},
                    headers={**auth(), "Accept": "text/csv"},
                )
                assert as_csv.status_code == 200, (path, table["id"])
                bodies.append(as_csv.text)
            for body in bodies:
                lowered = body.lower()
                leaked = [s for s in secrets if s in lowered]
                assert leaked == [], (path, by, leaked[:3])
                scanned += 1
    assert scanned > 20


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
