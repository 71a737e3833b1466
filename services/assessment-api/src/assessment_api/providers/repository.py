"""Queries for the provider -> force table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.providers.models import ProviderForce


async def forces_served(*, session: AsyncSession, provider_id: str) -> frozenset[str]:
    """The forces whose cases the provider's workers may work."""
    rows = await session.scalars(
        select(ProviderForce.force_id).where(ProviderForce.provider_id == provider_id)
    )
    return frozenset(rows.all())
