"""Reports depend on the events alone: a rebuild from the same history answers byte for byte what
the live projections did, and events duplicated and in any order give the reports they give once
and in order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import CloudEvent
from contracts.vocabulary import EngagementStage, Pathway, ReferralOutcome
from reporting_api.forces.models import ForceSettings
from reporting_api.projections.models import ImportedEvent
from reporting_api.projections.rebuild import Rebuilder
from reporting_api.synthetic.events import JourneyEvents
from servicekit.db import utcnow

if TYPE_CHECKING:
    import httpx
    from conftest import AuthHeaders, Project

pytestmark = pytest.mark.db


def report_paths(app: FastAPI) -> list[str]:
    return sorted(
        path
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/v1/reports/") and "get" in item
    )


async def every_report(
    app: FastAPI,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    period: dict[str, str],
    breakdowns: tuple[str | None, ...] = (None, "area"),
) -> dict[tuple[str, str | None, str | None], bytes]:
    """Each report (whole, and by area where it takes a breakdown) as JSON, and each of its
    tables as CSV: the bytes a reader downloads."""
    bodies: dict[tuple[str, str | None, str | None], bytes] = {}
    for path in report_paths(app):
        for by in breakdowns:
            params = {**period, **({"by": by} if by else {})}
            answer = await client.get(path, params=params, headers=headers)
            if by and answer.status_code == 422:
                continue  # a report for the whole force only
            assert answer.status_code == 200, (path, by, answer.text)
            bodies[path, by, None] = answer.content
            for table in answer.json()["tables"]:
                as_csv = await client.get(
                    path,
                    params={**params, "table": table["id"]},
                    headers={**headers, "Accept": "text/csv"},
                )
                assert as_csv.status_code == 200, (path, by, table["id"])
                bodies[path, by, table["id"]] = as_csv.content
    return bodies


async def test_a_rebuild_answers_every_report_byte_for_byte(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    db: Any,
    projected: list[JourneyEvents],
    history_period: dict[str, str],
) -> None:
    period = {**history_period, "interval": "week"}
    live = await every_report(app, client, auth(), period)
    assert len(live) > 20
    # the same history, as imported events: what a rebuild without streams replays
    events = [event for journey in projected for event in journey.events]
    async with db.session() as session:
        session.add_all(
            ImportedEvent(event_id=event.id, payload=event.to_json().decode()) for event in events
        )
        await session.commit()
    started = await client.post("/v1/admin/rebuild", headers=auth("admin"))
    assert started.status_code == 202, started.text
    await app.state.runtime.component(Rebuilder).wait()
    done = await client.get(started.headers["location"], headers=auth("admin"))
    assert done.json()["state"] == "active", done.text
    assert done.json()["events_replayed"] == len(events)
    assert done.json()["generation"] == 2  # the reports now read the rebuilt generation
    rebuilt = await every_report(app, client, auth(), period)
    assert rebuilt.keys() == live.keys()
    for key, body in live.items():
        assert rebuilt[key] == body, key


# a journey: days after 1 March 2026 it was referred, its area, how far it got, and hours
# between its steps
JOURNEYS = st.lists(
    st.tuples(
        st.integers(0, 59),
        st.sampled_from(("north", "south")),
        st.integers(0, 6),
        st.lists(st.integers(1, 400), min_size=4, max_size=4),
    ),
    min_size=1,
    max_size=6,
)
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SPRING = {"from": "2026-03-01", "to": "2026-04-30", "interval": "week"}
EXAMPLES = count(1)


def journeys_of(force: str, specs: list[tuple[int, str, int, list[int]]]) -> list[CloudEvent]:
    """The events of each journey described, in the order they happened."""
    events: list[CloudEvent] = []
    for number, (day, area, reach, gaps) in enumerate(specs):
        journey = JourneyEvents(force, uuid.uuid5(uuid.NAMESPACE_URL, f"{force}/{number}"))
        at = START + timedelta(days=day)
        journey.submitted(at, area=area, person_key=f"{force}-person-{number % 3}")
        steps = iter(timedelta(hours=gap) for gap in gaps)
        if reach == 6:
            journey.withdrawn(at + next(steps))
            journey.closed(at + next(steps), ReferralOutcome.withdrawn)
        if 1 <= reach <= 5:
            at += next(steps)
            journey.contacted(at)
        if reach == 2:
            journey.not_engaged(at + next(steps), stage=EngagementStage.contacted)
        if reach >= 3 and reach != 6:
            at += next(steps)
            journey.assessed(
                at, pathway=Pathway.one_to_one if number % 2 else Pathway.general_group
            )
        if reach in (4, 5):
            session_start = at + next(steps)
            journey.booked(at, session_start=session_start)
            if reach == 5:
                journey.attended(session_start)
                journey.intervention_completed(session_start)
                journey.closed(session_start, ReferralOutcome.completed)
        events.extend(journey.events)
    return events


@given(specs=JOURNEYS, data=st.data())
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
async def test_duplicated_events_in_any_order_give_the_same_reports(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    db: Any,
    project: Project,
    specs: list[tuple[int, str, int, list[int]]],
    data: st.DataObject,
) -> None:
    # one database for every example: each example's two forces are its own
    example = next(EXAMPLES)
    in_order, shuffled = f"order-{example}", f"shuffle-{example}"
    async with db.session() as session:
        for force in (in_order, shuffled):
            session.add(
                ForceSettings(
                    force_id=force,
                    minutes_per_arrest=255,
                    suppression_threshold=1,  # every figure shown, so every figure compared
                    updated_at=utcnow(),
                )
            )
        await session.commit()
    await project(journeys_of(in_order, specs))
    events = journeys_of(shuffled, specs)
    twice = data.draw(st.lists(st.sampled_from(events)), label="duplicated")
    await project(data.draw(st.permutations(events + twice), label="arrival order"))

    ordered = await every_report(app, client, auth(forces=(in_order,)), SPRING)
    arrived = await every_report(app, client, auth(forces=(shuffled,)), SPRING)
    assert arrived.keys() == ordered.keys()
    for key, body in ordered.items():
        # the same but for the force's name in the JSON
        expected = body.replace(f'"force":"{in_order}"'.encode(), f'"force":"{shuffled}"'.encode())
        assert arrived[key] == expected, key
