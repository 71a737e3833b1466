"""Importing history: events from before the platform ran, kept in `imported_events` (every
rebuild replays them first) and projected at once into the generations being kept.

A batch of events is one transaction: its `imported_events` rows and its facts, each table one
executemany, conflicts ignored. An event imported twice (by id) adds nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from contracts import CloudEvent
from reporting_api.projections.facts import facts_of
from reporting_api.projections.models import ImportedEvent
from reporting_api.projections.projector import kept_generations, write_facts
from servicekit.db import Database

IMPORTED: Table = ImportedEvent.__table__  # type: ignore[assignment]
BATCH_EVENTS = 1000


async def import_batch(db: Database, events: Sequence[CloudEvent]) -> None:
    """One transaction: the events kept, and their facts in every generation being kept."""
    async with db.session() as session:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(
            insert(IMPORTED).on_conflict_do_nothing(index_elements=["event_id"]),
            [{"event_id": event.id, "payload": event.to_json().decode()} for event in events],
        )
        facts = [fact for event in events for fact in facts_of(event)]
        if facts:
            await write_facts(session, facts, await kept_generations(session))
        await session.commit()


async def import_history(
    db: Database,
    events_batches: Iterable[Sequence[CloudEvent]],
    *,
    batch_events: int = BATCH_EVENTS,
) -> int:
    """Store every event of `events_batches` (for example one journey each) in
    `imported_events`, `batch_events` at a time; the number of events offered."""
    pending: list[CloudEvent] = []
    offered = 0
    for batch in events_batches:
        pending.extend(batch)
        if len(pending) >= batch_events:
            await import_batch(db, pending)
            offered += len(pending)
            pending = []
    if pending:
        await import_batch(db, pending)
        offered += len(pending)
    return offered
