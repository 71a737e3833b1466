"""Every query of the outcome feed."""

from __future__ import annotations

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.outcomes.models import OutcomeEntry

# pg_advisory_xact_lock's key for numbering the feed: any fixed number no other lock uses
FEED_LOCK = 7_015_001


async def lock_the_feed(session: AsyncSession) -> None:
    """Hold the feed's numbering to this transaction until it ends: one sequencer at a time,
    across every instance. PostgreSQL: an advisory lock. SQLite: the database's write lock,
    taken before anything is read (a plain BEGIN would read first and could number from a
    snapshot another sequencer has moved past)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})
    else:
        await session.execute(text("BEGIN IMMEDIATE"))


async def last_position(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(OutcomeEntry.position), 0))) or 0)


async def any_unnumbered(session: AsyncSession) -> bool:
    found = await session.scalar(
        select(OutcomeEntry.id).where(OutcomeEntry.position.is_(None)).limit(1)
    )
    return found is not None


async def unnumbered(session: AsyncSession, limit: int) -> list[OutcomeEntry]:
    found = await session.scalars(
        select(OutcomeEntry)
        .where(OutcomeEntry.position.is_(None))
        .order_by(OutcomeEntry.recorded_at, OutcomeEntry.id)
        .limit(limit)
    )
    return list(found.all())


async def number(session: AsyncSession, entry: OutcomeEntry, position: int) -> None:
    await session.execute(
        update(OutcomeEntry)
        .where(OutcomeEntry.id == entry.id)
        .values(position=position)
        .execution_options(synchronize_session=False)
    )


async def after(
    session: AsyncSession, *, forces: frozenset[str], position: int, limit: int
) -> list[OutcomeEntry]:
    """Numbered entries of `forces` after `position`, in order."""
    found = await session.scalars(
        select(OutcomeEntry)
        .where(
            OutcomeEntry.position.is_not(None),
            OutcomeEntry.position > position,
            OutcomeEntry.force_id.in_(sorted(forces)),
        )
        .order_by(OutcomeEntry.position)
        .limit(limit)
    )
    return list(found.all())
