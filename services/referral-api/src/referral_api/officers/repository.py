"""Queries for the officers known per force."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.officers.models import HowKnown, Officer

_OFFICERS: Table = Officer.__table__  # type: ignore[assignment]


async def get(*, session: AsyncSession, force_id: str, officer_id: str) -> Officer | None:
    return await session.get(Officer, (force_id, officer_id))


async def add_if_unknown(
    *,
    session: AsyncSession,
    force_id: str,
    officer_id: str,
    known_by: HowKnown,
    at: datetime,
    registered_by: str | None = None,
) -> None:
    """Record the officer unless already known: two requests at once record them once."""
    values = {
        "force_id": force_id,
        "officer_id": officer_id,
        "known_by": known_by,
        "known_since": at,
        "registered_by": registered_by,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(_OFFICERS).values(values).on_conflict_do_nothing())


async def is_known(*, session: AsyncSession, force_id: str, officer_id: str) -> bool:
    found = await session.scalar(
        select(Officer.officer_id).where(
            Officer.force_id == force_id, Officer.officer_id == officer_id
        )
    )
    return found is not None
