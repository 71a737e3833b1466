"""Reporting from the bus: a referral made at the scene, assessed, booked and attended reaches
every stage of reporting-api's funnel from the services' own events, as aggregates only; a
rebuild from the streams then gives the same report, byte for byte."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import update

from reporting_api.forces.models import ForceSettings
from scheduling_api.sessions.models import Session
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.nats import NatsServer

if TYPE_CHECKING:
    from conftest import Journey, Service

pytestmark = [pytest.mark.db, pytest.mark.nats]


@pytest.fixture
def nats_server(own_nats_server: NatsServer) -> NatsServer:
    """A server of this test's own: reporting reads every stream from the start, so other
    tests' events must not be in them."""
    return own_nats_server


async def test_a_completed_referral_reaches_every_stage_of_the_funnel(
    journey: Journey,
    scheduling_service: Service,
    reporting_service: Service,
    dev_idp: DevIdentityProvider,
) -> None:
    analyst = {"Authorization": f"Bearer {dev_idp.token(role='analyst', forces=['demo'])}"}
    admin = {"Authorization": f"Bearer {dev_idp.token(role='admin', forces=['demo'])}"}
    facilitator = {
        "Authorization": "Bearer "
        + dev_idp.token(role="facilitator", forces=["demo"], subject="demo-facilitator-1")
    }
    # one person: below any real threshold, so the test force publishes every count
    async with reporting_service.app.state.runtime.db.session() as session:
        await session.execute(
            update(ForceSettings)
            .where(ForceSettings.force_id == "demo")
            .values(suppression_threshold=1)
        )
        await session.commit()

    referral = await journey.refer()
    case = await journey.case_of(referral["id"])
    await journey.reach(case["id"])
    await journey.assess(case["id"])

    async def the_booking() -> dict[str, Any] | None:
        found = await scheduling_service.client.get(
            "/v1/bookings", params={"referral_id": referral["id"]}, headers=journey.worker
        )
        items = found.json()["items"]
        return items[0] if items else None

    booking = await journey.eventually(the_booking, what="the booking")
    async with scheduling_service.app.state.runtime.db.session() as session:
        await session.execute(
            update(Session)
            .where(Session.id == uuid.UUID(booking["session_id"]))
            .values(starts_at=datetime.now(UTC) - timedelta(minutes=10))
        )
        await session.commit()
    marked = await scheduling_service.client.post(
        f"/v1/sessions/{booking['session_id']}/attendance",
        json={"marks": [{"booking_id": booking["id"], "outcome": "attended"}]},
        headers=facilitator,
    )
    assert marked.status_code == 200, marked.text

    async def funnel() -> dict[str, Any] | None:
        answer = await reporting_service.client.get("/v1/reports/funnel", headers=analyst)
        assert answer.status_code == 200, answer.text
        rows = {row["stage"]: row["count"] for row in answer.json()["tables"][0]["rows"]}
        return rows if rows["Completed"] == 1 else None

    stages = await journey.eventually(funnel, what="the completed referral in reporting-api")
    assert stages == {
        "Referred": 1,
        "Contacted": 1,
        "Assessed": 1,
        "Booked": 1,
        "Attended": 1,
        "Completed": 1,
        "Did not engage": 0,
        "Withdrawn": 0,
    }
    summary = await reporting_service.client.get("/v1/reports/summary", headers=analyst)
    assert referral["id"] not in summary.text and referral["reference"] not in summary.text

    before = summary.content
    started = await reporting_service.client.post("/v1/admin/rebuild", headers=admin)
    assert started.status_code == 202, started.text

    async def rebuilt() -> bool:
        state = await reporting_service.client.get(started.headers["location"], headers=admin)
        return state.json()["state"] == "active"

    await journey.eventually(rebuilt, what="the rebuild")
    after = await reporting_service.client.get("/v1/reports/summary", headers=analyst)
    assert after.content == before
