"""Importing history and seeding the demonstration year: each event kept once, its facts in
every generation being kept, and a second seed changing nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from reporting_api.projections.models import (
    Generation,
    GenerationState,
    ImportedEvent,
    MilestoneFact,
    ReferralFact,
)
from reporting_api.projections.projector import active_generation
from reporting_api.seed import seed
from reporting_api.synthetic.generator import force_years
from reporting_api.synthetic.history import import_history

if TYPE_CHECKING:
    from servicekit.db import Database

pytestmark = pytest.mark.db

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def small_history() -> list[list]:  # type: ignore[type-arg]
    return list(
        force_years("demo", start=date(2026, 9, 1), referrals_per_year=300, seed=5, now=NOW)
    )


async def counts(db: Database) -> dict[str, object]:
    async with db.session() as session:
        return {
            "imported": await session.scalar(select(func.count()).select_from(ImportedEvent)),
            "referrals": dict(
                (
                    await session.execute(
                        select(ReferralFact.generation, func.count()).group_by(
                            ReferralFact.generation
                        )
                    )
                ).all()
            ),
            "milestones": await session.scalar(select(func.count()).select_from(MilestoneFact)),
        }


async def test_imported_events_are_kept_once_and_projected(db: Database) -> None:
    journeys = small_history()
    events = sum(len(journey) for journey in journeys)
    # 300 referrals a year from 1 September to 5 December: 96 days of 365, about 79 referrals
    assert 60 < len(journeys) < 100
    assert await import_history(db, journeys, batch_events=50) == events
    once = await counts(db)
    assert once["imported"] == events
    assert once["referrals"] == {1: len(journeys)}
    # importing the same history again adds nothing
    await import_history(db, journeys, batch_events=50)
    assert await counts(db) == once


async def test_history_imported_during_a_rebuild_goes_into_both_generations(db: Database) -> None:
    async with db.session() as session:
        session.add(
            Generation(
                generation=2, state=GenerationState.building, requested_at=NOW, events_replayed=0
            )
        )
        await session.commit()
    journeys = small_history()
    await import_history(db, journeys)
    assert (await counts(db))["referrals"] == {1: len(journeys), 2: len(journeys)}


async def test_seeding_twice_imports_the_demonstration_year_once(db: Database) -> None:
    await seed(db)
    first = await counts(db)
    await seed(db)
    assert await counts(db) == first
    async with db.session() as session:
        generation = await active_generation(session)
        referrals = await session.scalar(
            select(func.count())
            .select_from(ReferralFact)
            .where(ReferralFact.generation == generation, ReferralFact.force_id == "demo")
        )
    # a year of the demonstration force at 5,000 referrals a year, ending today
    assert referrals == 5000
    assert isinstance(first["imported"], int) and first["imported"] > 25_000
