"""The summary and the funnel against a handful of journeys worked by hand.

March 2026, force demo:
  A  2 Mar  contacted, assessed, booked, attended, completed        (person p-a)
  B  5 Mar  contacted, then did not engage                          (person p-b)
  C  9 Mar  withdrawn (made in error)
  D 10 Mar  not contacted yet                                       (person p-d)
  E 20 Mar  contacted, assessed                                     (person p-a again)
and before the period: F 1 Apr 2025 (person p-d), G 1 Feb 2025 (person p-b).

referred 5; contacted 3 (A, B, E); assessed 2 (A, E); booked, attended, completed 1 (A);
did not engage 1 (B); withdrawn 1 (C).
Compliance: assessed 2 of the 4 not withdrawn = 50.0%.
Re-referrals: E (p-a, 18 days after A) and D (p-d, 343 days after F) = 2 of 5 = 40.0%; B is not
(p-b, 397 days after G).
Hours saved: 4 not withdrawn x 4.25 h = 17.0.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contracts.vocabulary import EngagementStage, ReferralOutcome
from reporting_api.forces.models import ForceSettings
from reporting_api.synthetic.events import JourneyEvents
from servicekit.db import utcnow

pytestmark = pytest.mark.db

MARCH = {"from": "2026-03-01", "to": "2026-03-31", "interval": "month"}


def at(day: int, month: int = 3, year: int = 2026) -> datetime:
    return datetime(year, month, day, 11, 0, tzinfo=UTC)


def journeys() -> list[JourneyEvents]:
    a = JourneyEvents("demo", uuid.uuid4())
    a.submitted(at(2), person_key="p-a", area="north")
    a.contacted(at(3))
    a.assessed(at(4))
    a.booked(at(4), session_start=at(11))
    a.attended(at(11))
    a.intervention_completed(at(11))
    a.closed(at(11) + timedelta(minutes=1), ReferralOutcome.completed)
    b = JourneyEvents("demo", uuid.uuid4())
    b.submitted(at(5), person_key="p-b", area="north")
    b.contacted(at(6))
    b.not_engaged(at(20), stage=EngagementStage.contacted)
    b.closed(at(20), ReferralOutcome.not_engaged)
    c = JourneyEvents("demo", uuid.uuid4())
    c.submitted(at(9), area="south")
    c.withdrawn(at(9) + timedelta(hours=1))
    c.closed(at(9) + timedelta(hours=1), ReferralOutcome.withdrawn)
    d = JourneyEvents("demo", uuid.uuid4())
    d.submitted(at(10), person_key="p-d", area="south")
    e = JourneyEvents("demo", uuid.uuid4())
    e.submitted(at(20), person_key="p-a", area="north")
    e.contacted(at(21))
    e.assessed(at(21))
    f = JourneyEvents("demo", uuid.uuid4())
    f.submitted(at(1, 4, 2025), person_key="p-d")
    g = JourneyEvents("demo", uuid.uuid4())
    g.submitted(at(1, 2, 2025), person_key="p-b")
    return [a, b, c, d, e, f, g]


@pytest.fixture
async def march(project, db) -> None:  # type: ignore[no-untyped-def]
    for journey in journeys():
        await project(journey.events)


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


async def test_the_summary_unsuppressed(client, auth, db, march) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 1)
    answer = await client.get("/v1/reports/summary", params=MARCH, headers=auth())
    assert answer.status_code == 200, answer.text
    report = answer.json()
    (overview,) = next(t for t in report["tables"] if t["id"] == "overview")["rows"]
    assert overview == {
        "referrals": 5,
        "withdrawn": 1,
        "at_least_assessed": 2,
        "compliance_percent": 50.0,
        "rereferrals": 2,
        "rereferral_percent": 40.0,
        "hours_saved": 17.0,
    }
    volumes = next(t for t in report["tables"] if t["id"] == "volumes")["rows"]
    assert volumes == [{"period": "2026-03", "referrals": 5}]
    funnel = next(t for t in report["tables"] if t["id"] == "funnel")["rows"]
    assert [(r["stage"], r["count"], r["percent_of_referred"]) for r in funnel] == [
        ("Referred", 5, 100.0),
        ("Contacted", 3, 60.0),
        ("Assessed", 2, 40.0),
        ("Booked", 1, 20.0),
        ("Attended", 1, 20.0),
        ("Completed", 1, 20.0),
        ("Did not engage", 1, 20.0),
        ("Withdrawn", 1, 20.0),
    ]


async def test_the_summary_suppressed_at_five(client, auth, march) -> None:  # type: ignore[no-untyped-def]
    report = (await client.get("/v1/reports/summary", params=MARCH, headers=auth())).json()
    assert report["suppression_threshold"] == 5
    (overview,) = report["tables"][0]["rows"]
    assert overview == {
        "referrals": 5,
        "withdrawn": "<5",
        "at_least_assessed": "<5",
        "compliance_percent": "[c]",
        "rereferrals": "<5",
        "rereferral_percent": "[c]",
        "hours_saved": "[c]",  # 4 not withdrawn: hours would give the count away
    }


async def test_weekly_volumes_include_empty_weeks(client, auth, db, march) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 1)
    params = {**MARCH, "interval": "week"}
    report = (await client.get("/v1/reports/summary", params=params, headers=auth())).json()
    volumes = {r["period"]: r["referrals"] for r in report["tables"][1]["rows"]}
    # 1 Mar 2026 is a Sunday (ISO week 9); 31 Mar a Tuesday (week 14)
    assert volumes == {
        "2026-W09": 0,
        "2026-W10": 2,  # A (Mon 2), B (Thu 5)
        "2026-W11": 2,  # C (Mon 9), D (Tue 10)
        "2026-W12": 1,  # E (Fri 20)
        "2026-W13": 0,
        "2026-W14": 0,
    }


async def test_the_funnel_by_area_with_secondary_suppression(client, auth, db, march) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 3)
    params = {**MARCH, "by": "area"}
    report = (await client.get("/v1/reports/funnel", params=params, headers=auth())).json()
    rows = {r["group"]: r for r in report["tables"][0]["rows"]}
    # north: A, B, E; south: C, D.  Referred 3 and 2 of 5: south (2) hidden, north is the only
    # other group, so it goes too; the total 5 stays.
    assert (rows["north"]["referred"], rows["south"]["referred"], rows["All"]["referred"]) == (
        "<3",
        "<3",
        5,
    )
    # contacted: north 3, south 0 of 3: nothing below 3 but zero, all shown
    assert (rows["north"]["contacted"], rows["south"]["contacted"]) == (3, 0)
    # withdrawn: north 0, south 1 of 1: the total is itself below 3
    assert (rows["north"]["withdrawn"], rows["south"]["withdrawn"], rows["All"]["withdrawn"]) == (
        0,
        "<3",
        "<3",
    )


async def test_a_table_as_csv(client, auth, db, march) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 1)
    answer = await client.get(
        "/v1/reports/summary",
        params={**MARCH, "table": "funnel"},
        headers={**auth(), "Accept": "text/csv"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "summary-funnel-demo-2026-03-01-2026-03-31.csv" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["Stage", "Referrals", "Of those referred (%)"]
    assert rows[2] == ["Contacted", "3", "60"]
