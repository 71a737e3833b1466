"""Writing facts into the generations being kept, and the live consumer's handlers.

The live consumer (the kit's idempotent consumer) writes each event's facts into the active
generation and into one a rebuild is filling, so a rebuild misses nothing that arrives while it
runs. Facts are inserted with "on conflict do nothing": an event applied twice (once live, once
replayed; or duplicated on the bus) adds nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from contracts.events import v1
from reporting_api.projections.facts import Fact, facts_of
from reporting_api.projections.models import Generation, GenerationState
from servicekit.inbox import Subscription

DURABLE = "reporting-api"

# every event reporting reads, by the stream that carries it
STREAM_EVENTS: dict[str, tuple[str, ...]] = {
    "REFERRAL": (
        v1.ReferralSubmitted.event_type,
        v1.ReferralWithdrawn.event_type,
        v1.ReferralClosed.event_type,
    ),
    "ASSESSMENT": (
        v1.CaseContacted.event_type,
        v1.AssessmentCompleted.event_type,
        v1.CaseNotEngaged.event_type,
        v1.SafeguardingRaised.event_type,
        v1.SupportReferred.event_type,
    ),
    "SCHEDULING": (
        v1.SessionBooked.event_type,
        v1.SessionAttended.event_type,
        v1.SessionMissed.event_type,
        v1.InterventionCompleted.event_type,
        v1.InterventionNotEngaged.event_type,
    ),
}


async def kept_generations(session: AsyncSession) -> list[int]:
    """The generations live events go to: the active one and any being rebuilt."""
    rows = await session.scalars(
        select(Generation.generation).where(
            Generation.state.in_((GenerationState.active, GenerationState.building))
        )
    )
    return sorted(rows)


async def active_generation(session: AsyncSession) -> int:
    """The generation reports read."""
    return (await active_version(session))[0]


async def active_version(session: AsyncSession) -> tuple[int, int]:
    """The generation reports read, and its version (raised by every write of its facts)."""
    row = (
        await session.execute(
            select(Generation.generation, Generation.version).where(
                Generation.state == GenerationState.active
            )
        )
    ).one_or_none()
    assert row is not None, "the migration makes the first generation active"
    return row[0], row[1]


async def write_facts(
    session: AsyncSession, facts: Iterable[Fact], generations: Sequence[int]
) -> int:
    """Insert `facts` into each of `generations`, skipping any already there; the number of
    rows offered."""
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for table, row in facts:
        by_table.setdefault(table, []).extend(
            {**row, "generation": generation} for generation in generations
        )
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    offered = 0
    for table, rows in by_table.items():
        await session.execute(insert(table).on_conflict_do_nothing(), rows)
        offered += len(rows)
    if offered:
        # what reports computed from these generations before this write are out of date
        await session.execute(
            update(Generation)
            .where(Generation.generation.in_(generations))
            .values(version=Generation.version + 1)
        )
    return offered


async def project(session: AsyncSession, event: CloudEvent) -> None:
    """The live consumer's handler for every event reporting reads."""
    facts = facts_of(event)
    if facts:
        await write_facts(session, facts, await kept_generations(session))


def subscriptions() -> list[Subscription]:
    """One durable consumer per stream, every event reporting reads handled by `project`."""
    return [
        Subscription(
            stream=stream, durable=DURABLE, handlers={event_type: project for event_type in types}
        )
        for stream, types in STREAM_EVENTS.items()
    ]
