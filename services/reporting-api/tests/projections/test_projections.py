"""Events become facts: a journey read back is the journey its events tell, however often and
in whatever order they arrive."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contracts.vocabulary import (
    NeedDomain,
    NeedLevel,
    Pathway,
    ReferralOutcome,
    SafeguardingCategory,
    Substance,
)
from reporting_api.projections.projector import active_generation
from reporting_api.reports.journeys import load_journeys
from reporting_api.synthetic.events import JourneyEvents

pytestmark = pytest.mark.db

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def completed_journey() -> JourneyEvents:
    journey = JourneyEvents("demo", uuid.uuid4())
    journey.submitted(START, substances=(Substance.cocaine, Substance.cannabis))
    journey.contacted(START + timedelta(days=1))
    journey.assessed(
        START + timedelta(days=2),
        pathway=Pathway.one_to_one,
        proposed_pathway=Pathway.cocaine_group,
        main_substance=Substance.cocaine,
        needs={NeedDomain.housing: NeedLevel.significant},
    )
    journey.safeguarding(START + timedelta(days=2), SafeguardingCategory.adult_at_risk)
    journey.booked(START + timedelta(days=2), session_start=START + timedelta(days=9))
    journey.attended(START + timedelta(days=9))
    journey.intervention_completed(START + timedelta(days=9))
    journey.closed(START + timedelta(days=9, minutes=1), ReferralOutcome.completed)
    return journey


async def load(db, force: str = "demo"):  # type: ignore[no-untyped-def]
    async with db.session() as session:
        generation = await active_generation(session)
        return await load_journeys(
            session, generation, force, START - timedelta(days=1), START + timedelta(days=1)
        )


async def test_a_journey_is_read_back_from_its_events(db, project) -> None:  # type: ignore[no-untyped-def]
    events = completed_journey()
    await project(events.events)
    (journey,) = await load(db)
    assert journey.referral_id == events.referral_id
    assert journey.main_substance == "cocaine"
    assert journey.substances == ("cannabis", "cocaine")
    assert journey.contacted_at == START + timedelta(days=1)
    assert journey.pathway == "one_to_one" and journey.overridden is True
    assert journey.needs == {"housing": "significant"}
    assert journey.safeguarding_categories == ("adult_at_risk",)
    assert journey.outcome == "completed"
    assert journey.completed_at == START + timedelta(days=9)
    assert all(journey.reached(stage) for stage in ("contacted", "assessed", "attended"))
    assert not journey.reached("not_engaged")


async def test_duplicates_and_reordering_change_nothing(db, project) -> None:  # type: ignore[no-untyped-def]
    events = completed_journey()
    await project(events.events)
    once = await load(db)
    shuffled = list(reversed(events.events)) + events.events
    await project(shuffled)
    assert await load(db) == once


async def test_another_forces_journeys_are_not_loaded(db, project) -> None:  # type: ignore[no-untyped-def]
    await project(completed_journey().events)
    assert await load(db, force="other") == []
