"""Queries for the provider -> force table, and configuring which provider serves a force."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.providers.models import ProviderForce


async def forces_served(*, session: AsyncSession, provider_id: str) -> frozenset[str]:
    """The forces whose new referrals go to the provider."""
    rows = await session.scalars(
        select(ProviderForce.force_id).where(ProviderForce.provider_id == provider_id)
    )
    return frozenset(rows.all())


async def provider_serving(*, session: AsyncSession, force_id: str) -> str | None:
    """The provider serving the force now (at most one); None when none does."""
    provider_id: str | None = await session.scalar(
        select(ProviderForce.provider_id).where(ProviderForce.force_id == force_id)
    )
    return provider_id


async def serve(*, session: AsyncSession, provider_id: str, force_id: str, now: datetime) -> None:
    """Make the provider the one serving the force from now on (the link only: what becomes of
    the force's cases is the cases domain's rule, `cases.service.serve_force`)."""
    link: ProviderForce | None = await session.scalar(
        select(ProviderForce).where(ProviderForce.force_id == force_id).with_for_update()
    )
    if link is None:
        session.add(ProviderForce(provider_id=provider_id, force_id=force_id, since=now))
    elif link.provider_id != provider_id:
        link.provider_id = provider_id
        link.since = now
    await session.flush()
