"""Timeliness against five journeys worked by hand (days from the referral to each step).

Force demo, 1 March to 30 April 2026:
  A  2 Mar north  contacted +1 d, assessed +3 d, completed +14 d
  B  3 Mar south  contacted +12 h, assessed +6 d
  C 10 Mar north  contacted +2 d, assessed +10 d, completed +20 d
  D 16 Mar south  contacted +4 d 12 h
  E  6 Apr north  contacted +3 d

First contact: 0.5, 1, 2, 3, 4.5 (5 cases). Median: the 3rd, 2.0. 90th percentile: position
(5 - 1) x 0.9 = 3.6, between 3 and 4.5: 3 + 0.6 x 1.5 = 3.9.
Assessment: 3, 6, 10 (3 cases). Median 6.0; p90: position 1.8: 6 + 0.8 x 4 = 9.2.
Completion: 14, 20 (2 cases). Median: position 0.5: 17.0; p90: position 0.9: 14 + 0.9 x 6 = 19.4.

By month: March contact 0.5, 1, 2, 4.5 (4): median at position 1.5: 1.5; April contact 3 (1):
3.0; April has no assessment or completion (0 cases, no median).
By area: north contact 1, 2, 3: median 2.0, p90 at 1.8: 2 + 0.8 x 1 = 2.8; south 0.5, 4.5:
median 2.5, p90 0.5 + 0.9 x 4 = 4.1. North assessment 3, 10 (2), south 6 (1); completion north
14, 20 (2), south none.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contracts.vocabulary import ReferralOutcome
from reporting_api.forces.models import ForceSettings
from reporting_api.synthetic.events import JourneyEvents
from servicekit.db import utcnow

SPRING = {"from": "2026-03-01", "to": "2026-04-30", "interval": "month"}
CONTACT, ASSESSMENT, COMPLETION = (
    "Referral to first contact",
    "Referral to assessment",
    "Referral to completion",
)


def at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 11, 0, tzinfo=UTC)


def journey(
    submitted: datetime,
    area: str,
    contact: timedelta | None = None,
    assessment: timedelta | None = None,
    completion: timedelta | None = None,
) -> JourneyEvents:
    events = JourneyEvents("demo", uuid.uuid4())
    events.submitted(submitted, area=area)
    if contact is not None:
        events.contacted(submitted + contact)
    if assessment is not None:
        events.assessed(submitted + assessment)
    if completion is not None:
        assert assessment is not None
        events.booked(submitted + assessment, session_start=submitted + completion)
        events.attended(submitted + completion)
        events.intervention_completed(submitted + completion)
        events.closed(submitted + completion + timedelta(minutes=1), ReferralOutcome.completed)
    return events


def days(n: float) -> timedelta:
    return timedelta(days=n)


def journeys() -> list[JourneyEvents]:
    return [
        journey(at(2), "north", days(1), days(3), days(14)),
        journey(at(3), "south", days(0.5), days(6)),
        journey(at(10), "north", days(2), days(10), days(20)),
        journey(at(16), "south", days(4.5)),
        journey(at(6, 4), "north", days(3)),
    ]


@pytest.fixture
async def spring(project) -> None:  # type: ignore[no-untyped-def]
    for events in journeys():
        await project(events.events)


async def threshold(db, value: int) -> None:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        session.add(
            ForceSettings(
                force_id="demo",
                minutes_per_arrest=255,
                suppression_threshold=value,
                updated_at=utcnow(),
            )
        )
        await session.commit()


async def timeliness(client, auth, **params: str):  # type: ignore[no-untyped-def]
    answer = await client.get("/v1/reports/timeliness", params={**SPRING, **params}, headers=auth())
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["report"] == "timeliness"
    return {table["id"]: table["rows"] for table in report["tables"]}


async def test_days_to_each_step_unsuppressed(client, auth, db, spring) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 1)
    tables = await timeliness(client, auth)
    assert tables["timeliness"] == [
        {"measure": CONTACT, "cases": 5, "median_days": 2.0, "p90_days": 3.9},
        {"measure": ASSESSMENT, "cases": 3, "median_days": 6.0, "p90_days": 9.2},
        {"measure": COMPLETION, "cases": 2, "median_days": 17.0, "p90_days": 19.4},
    ]
    assert tables["timeliness_by_period"] == [
        {"period": "2026-03", "measure": CONTACT, "cases": 4, "median_days": 1.5},
        {"period": "2026-03", "measure": ASSESSMENT, "cases": 3, "median_days": 6.0},
        {"period": "2026-03", "measure": COMPLETION, "cases": 2, "median_days": 17.0},
        {"period": "2026-04", "measure": CONTACT, "cases": 1, "median_days": 3.0},
        {"period": "2026-04", "measure": ASSESSMENT, "cases": 0, "median_days": None},
        {"period": "2026-04", "measure": COMPLETION, "cases": 0, "median_days": None},
    ]


async def test_small_numbers_hide_their_days(client, auth, db, spring) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 3)
    tables = await timeliness(client, auth)
    # completion's 2 cases are below 3: the days would describe two people
    assert tables["timeliness"][2] == {
        "measure": COMPLETION,
        "cases": "<3",
        "median_days": "[c]",
        "p90_days": "[c]",
    }
    assert tables["timeliness"][1]["cases"] == 3
    by_period = {(r["period"], r["measure"]): r for r in tables["timeliness_by_period"]}
    # contact: March 4, April 1 of 5. April is hidden; March would give it away (5 - 4), so
    # it goes too
    assert by_period["2026-03", CONTACT]["cases"] == "<3"
    assert by_period["2026-04", CONTACT] == {
        "period": "2026-04",
        "measure": CONTACT,
        "cases": "<3",
        "median_days": "[c]",
    }
    # assessment: March 3, April 0: nothing to hide
    assert by_period["2026-03", ASSESSMENT]["cases"] == 3
    assert by_period["2026-04", ASSESSMENT]["median_days"] is None
    # completion: the total 2 is hidden, so March is; April's none stays none
    assert by_period["2026-03", COMPLETION]["cases"] == "<3"
    assert by_period["2026-04", COMPLETION]["cases"] == 0


async def test_by_area(client, auth, db, spring) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 1)
    tables = await timeliness(client, auth, by="area")
    rows = {(r["group"], r["measure"]): r for r in tables["timeliness"]}
    assert [key for key in rows] == [
        ("north", CONTACT),
        ("north", ASSESSMENT),
        ("north", COMPLETION),
        ("south", CONTACT),
        ("south", ASSESSMENT),
        ("south", COMPLETION),
        ("All", CONTACT),
        ("All", ASSESSMENT),
        ("All", COMPLETION),
    ]
    assert rows["north", CONTACT] == {
        "group": "north",
        "measure": CONTACT,
        "cases": 3,
        "median_days": 2.0,
        "p90_days": 2.8,
    }
    assert (rows["south", CONTACT]["median_days"], rows["south", CONTACT]["p90_days"]) == (
        2.5,
        4.1,
    )
    assert rows["south", COMPLETION] == {
        "group": "south",
        "measure": COMPLETION,
        "cases": 0,
        "median_days": None,
        "p90_days": None,
    }
    assert rows["All", CONTACT]["median_days"] == 2.0


async def test_by_area_hides_a_group_and_the_next_smallest(client, auth, db, spring) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 2)
    tables = await timeliness(client, auth, by="area")
    rows = {(r["group"], r["measure"]): r for r in tables["timeliness"]}
    # assessment: north 2, south 1 of 3. South is hidden, and north with it (3 - 2 = 1)
    assert [rows[g, ASSESSMENT]["cases"] for g in ("north", "south", "All")] == ["<2", "<2", 3]
    assert rows["north", ASSESSMENT]["median_days"] == "[c]"
    # contact: north 3, south 2, both shown
    assert [rows[g, CONTACT]["cases"] for g in ("north", "south", "All")] == [3, 2, 5]


async def test_timeliness_as_csv(client, auth, db, spring) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 1)
    answer = await client.get(
        "/v1/reports/timeliness",
        params={**SPRING, "table": "timeliness_by_period"},
        headers={**auth(), "Accept": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["Month", "Measure", "Cases", "Median (days)"]
    assert rows[4] == ["2026-04", CONTACT, "1", "3"]
    assert rows[5] == ["2026-04", ASSESSMENT, "0", ""]


async def test_a_step_timed_before_its_referral_took_no_time(client, auth, db, project) -> None:  # type: ignore[no-untyped-def]
    # assessment-api's clock a minute behind referral-api's: contacted "before" the referral
    await threshold(db, 1)
    await project(journey(at(2), "north", -timedelta(minutes=1)).events)
    answer = await client.get(
        "/v1/reports/timeliness", params=SPRING, headers={**auth(), "Accept": "text/csv"}
    )
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[1] == [CONTACT, "1", "0", "0"]  # not "-0": no step takes less than no time
