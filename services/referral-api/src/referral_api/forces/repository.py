"""Queries for forces."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.forces.models import Force


async def get(*, session: AsyncSession, force_id: str) -> Force | None:
    """The force with this id, if configured."""
    return await session.get(Force, force_id)
