"""Needs, safeguarding, support, pathways, scores and flags against six referrals worked by hand.

March 2026, force demo; P1-P5 assessed, F not:
  P1 cannabis group; housing significant, mental health some; AUDIT lower risk, SDS below the
     cut-off; safeguarding: adult at risk; support: housing
  P2 cannabis group; mental health some; AUDIT lower risk; dependence indicated
  P3 one-to-one, proposed cannabis group (overridden); mental health significant, debt some;
     AUDIT higher risk, PGSI low risk, SDS at or above the cut-off; dependence, injecting and a
     safeguarding concern; safeguarding: adult at risk, self-harm; support: mental health (twice),
     debt
  P4 cocaine group; housing none
  P5 cannabis group; no needs; AUDIT lower risk
  F  not assessed; safeguarding: child at risk

Needs: mental health some 2 (P1, P2), significant 1 (P3); housing significant 1 (P1), P4's "none"
is no need; debt some 1 (P3).
Safeguarding: adult at risk 2 (P1, P3), self-harm 1, child at risk 1; any 3 (P1, P3, F).
Support: housing 1, mental health 1 (P3 once, though referred twice), debt 1; any 2 (P1, P3).
Pathways of the 5 assessed: cannabis group 3 (60.0%), cocaine group 1 (20.0%), one-to-one 1
(20.0%), overridden 1 of 1 (100.0%); 1 of 5 overridden in all (20.0%).
AUDIT of 4 screened: lower risk 3 (75.0%), higher risk 1 (25.0%). PGSI: low risk 1 of 1.
SDS: below 1, at or above 1 (50.0% each).
Flags of 5 assessed: dependence 2 (40.0%), injecting 1 (20.0%), safeguarding concern 1 (20.0%).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contracts.vocabulary import (
    AuditBand,
    NeedDomain,
    NeedLevel,
    Pathway,
    PgsiBand,
    SafeguardingCategory,
    SdsBand,
)
from reporting_api.forces.models import ForceSettings
from reporting_api.synthetic.events import JourneyEvents
from servicekit.db import utcnow

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 11, 0, tzinfo=UTC)


def referrals() -> list[JourneyEvents]:
    p1 = JourneyEvents("demo", uuid.uuid4())
    p1.submitted(at(2))
    p1.contacted(at(3))
    p1.assessed(
        at(4),
        needs={NeedDomain.housing: NeedLevel.significant, NeedDomain.mental_health: NeedLevel.some},
        audit_band=AuditBand.lower_risk,
        sds_band=SdsBand.below_cutoff,
    )
    p1.safeguarding(at(4), SafeguardingCategory.adult_at_risk)
    p1.support(at(4), NeedDomain.housing)
    p2 = JourneyEvents("demo", uuid.uuid4())
    p2.submitted(at(3))
    p2.assessed(
        at(5),
        needs={NeedDomain.mental_health: NeedLevel.some},
        audit_band=AuditBand.lower_risk,
        dependence_indicated=True,
    )
    p3 = JourneyEvents("demo", uuid.uuid4())
    p3.submitted(at(4))
    p3.assessed(
        at(6),
        pathway=Pathway.one_to_one,
        proposed_pathway=Pathway.cannabis_group,
        needs={
            NeedDomain.mental_health: NeedLevel.significant,
            NeedDomain.debt_finances: NeedLevel.some,
        },
        audit_band=AuditBand.higher_risk,
        pgsi_band=PgsiBand.low_risk,
        sds_band=SdsBand.at_or_above_cutoff,
        dependence_indicated=True,
        injecting=True,
        safeguarding_concern=True,
    )
    p3.safeguarding(at(6), SafeguardingCategory.adult_at_risk)
    p3.safeguarding(at(6), SafeguardingCategory.self_harm)
    p3.support(at(6), NeedDomain.mental_health)
    p3.support(at(7), NeedDomain.mental_health)
    p3.support(at(7), NeedDomain.debt_finances)
    p4 = JourneyEvents("demo", uuid.uuid4())
    p4.submitted(at(5))
    p4.assessed(at(8), pathway=Pathway.cocaine_group, needs={NeedDomain.housing: NeedLevel.none})
    p5 = JourneyEvents("demo", uuid.uuid4())
    p5.submitted(at(6))
    p5.assessed(at(9), audit_band=AuditBand.lower_risk)
    f = JourneyEvents("demo", uuid.uuid4())
    f.submitted(at(7))
    f.safeguarding(at(7) + timedelta(hours=2), SafeguardingCategory.child_at_risk)
    return [p1, p2, p3, p4, p5, f]


@pytest.fixture
async def march(project) -> None:  # type: ignore[no-untyped-def]
    for events in referrals():
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


async def needs(client, auth, **params: str):  # type: ignore[no-untyped-def]
    answer = await client.get("/v1/reports/needs", params={**MARCH, **params}, headers=auth())
    assert answer.status_code == 200, answer.text
    return {table["id"]: table["rows"] for table in answer.json()["tables"]}


def by_first(rows, key: str):  # type: ignore[no-untyped-def]
    return {row[key]: row for row in rows}


async def test_needs_safeguarding_and_support_unsuppressed(client, auth, db, march) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 1)
    tables = await needs(client, auth)
    domains = by_first(tables["needs"], "need")
    assert len(domains) == len(NeedDomain)
    assert domains["Mental health"] == {"need": "Mental health", "some": 2, "significant": 1}
    assert domains["Housing"] == {"need": "Housing", "some": 0, "significant": 1}
    assert domains["Debt and finances"] == {
        "need": "Debt and finances",
        "some": 1,
        "significant": 0,
    }
    assert domains["Gambling"] == {"need": "Gambling", "some": 0, "significant": 0}
    safeguarding = {r["category"]: r["referrals"] for r in tables["safeguarding"]}
    assert safeguarding == {
        "Child at risk": 1,
        "Adult at risk": 2,
        "Domestic abuse": 0,
        "Exploitation": 0,
        "Self-harm": 1,
        "Other": 0,
        "Any safeguarding referral": 3,
    }
    support = {r["need"]: r["referrals"] for r in tables["support"]}
    assert (support["Housing"], support["Mental health"], support["Debt and finances"]) == (1, 1, 1)
    assert support["Any support referral"] == 2
    assert sum(support.values()) == 5  # 3 domains of 1, and the 2 referred at all


async def test_pathways_scores_and_flags_unsuppressed(client, auth, db, march) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 1)
    tables = await needs(client, auth)
    assert tables["pathways"] == [
        {
            "pathway": "Cannabis group",
            "assessed": 3,
            "percent_of_assessed": 60.0,
            "overridden": 0,
            "overridden_percent": 0.0,
        },
        {
            "pathway": "Cocaine group",
            "assessed": 1,
            "percent_of_assessed": 20.0,
            "overridden": 0,
            "overridden_percent": 0.0,
        },
        {
            "pathway": "Nitrous oxide group",
            "assessed": 0,
            "percent_of_assessed": 0.0,
            "overridden": 0,
            "overridden_percent": None,
        },
        {
            "pathway": "General group",
            "assessed": 0,
            "percent_of_assessed": 0.0,
            "overridden": 0,
            "overridden_percent": None,
        },
        {
            "pathway": "One-to-one",
            "assessed": 1,
            "percent_of_assessed": 20.0,
            "overridden": 1,
            "overridden_percent": 100.0,
        },
        {
            "pathway": "All",
            "assessed": 5,
            "percent_of_assessed": 100.0,
            "overridden": 1,
            "overridden_percent": 20.0,
        },
    ]
    scores = {(r["instrument"], r["band"]): (r["assessed"], r["percent"]) for r in tables["scores"]}
    assert scores["AUDIT", "Lower risk"] == (3, 75.0)
    assert scores["AUDIT", "Higher risk"] == (1, 25.0)
    assert scores["AUDIT", "Possible dependence"] == (0, 0.0)
    assert scores["AUDIT", "All screened"] == (4, 100.0)
    assert scores["PGSI", "Low risk"] == (1, 100.0)
    assert scores["SDS", "Below the cut-off"] == (1, 50.0)
    assert scores["SDS", "At or above the cut-off"] == (1, 50.0)
    assert scores["SDS", "All screened"] == (2, 100.0)
    assert tables["flags"] == [
        {"flag": "Dependence indicated", "assessed": 2, "percent_of_assessed": 40.0},
        {"flag": "Injecting", "assessed": 1, "percent_of_assessed": 20.0},
        {"flag": "Safeguarding concern", "assessed": 1, "percent_of_assessed": 20.0},
    ]


async def test_suppressed_at_three(client, auth, db, march) -> None:  # type: ignore[no-untyped-def]
    await threshold(db, 3)
    tables = await needs(client, auth)
    # counts standing alone: each hidden below 3, none hiding another
    domains = by_first(tables["needs"], "need")
    assert domains["Mental health"] == {"need": "Mental health", "some": "<3", "significant": "<3"}
    safeguarding = {r["category"]: r["referrals"] for r in tables["safeguarding"]}
    assert safeguarding["Any safeguarding referral"] == 3
    assert safeguarding["Adult at risk"] == "<3"
    pathways = by_first(tables["pathways"], "pathway")
    # assessed: 3, 1, 0, 0, 1 of 5: two hidden, neither can be worked out alone
    assert [pathways[p]["assessed"] for p in pathways] == [3, "<3", 0, 0, "<3", 5]
    assert pathways["Cocaine group"]["percent_of_assessed"] == "[c]"
    # overridden: 1 in all, itself hidden, so every pathway's is hidden but the empty ones
    assert [pathways[p]["overridden"] for p in pathways] == [0, 0, 0, 0, "<3", "<3"]
    assert pathways["All"]["overridden_percent"] == "[c]"
    audit = {r["band"]: r["assessed"] for r in tables["scores"] if r["instrument"] == "AUDIT"}
    # lower 3 and higher 1 of 4: higher is hidden; the smallest other, the first band's 0,
    # goes too, so "higher = 4 - 3" cannot be read off
    assert audit == {
        "AUDIT-C negative": "<3",
        "Lower risk": 3,
        "Increasing risk": 0,
        "Higher risk": "<3",
        "Possible dependence": 0,
        "All screened": 4,
    }
    flags = by_first(tables["flags"], "flag")
    assert flags["Dependence indicated"] == {
        "flag": "Dependence indicated",
        "assessed": "<3",
        "percent_of_assessed": "[c]",
    }


async def test_needs_has_no_breakdown(client, auth, march) -> None:  # type: ignore[no-untyped-def]
    answer = await client.get("/v1/reports/needs", params={**MARCH, "by": "area"}, headers=auth())
    assert answer.status_code == 422
    assert answer.json()["type"].endswith("no-breakdown")
