"""Queries for integration clients."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.clients.models import ClientStatus, IntegrationClient
from servicekit.paging import Found, paginate


async def by_client(
    *, session: AsyncSession, issuer: str, client_id: str
) -> IntegrationClient | None:
    """The registration of a token's client, whatever its status."""
    client: IntegrationClient | None = await session.scalar(
        select(IntegrationClient).where(
            IntegrationClient.issuer == issuer, IntegrationClient.client_id == client_id
        )
    )
    return client


async def get_in(
    *, session: AsyncSession, forces: frozenset[str], client_id: uuid.UUID
) -> IntegrationClient | None:
    """The registration if it is one of `forces`'."""
    client: IntegrationClient | None = await session.scalar(
        select(IntegrationClient).where(
            IntegrationClient.id == client_id, IntegrationClient.force_id.in_(sorted(forces))
        )
    )
    return client


async def list_in(
    *,
    session: AsyncSession,
    forces: frozenset[str],
    statuses: list[ClientStatus],
    cursor: str | None,
    limit: int,
) -> Found[IntegrationClient]:
    """Oldest registration first."""
    query = select(IntegrationClient).where(IntegrationClient.force_id.in_(sorted(forces)))
    if statuses:
        query = query.where(IntegrationClient.status.in_(statuses))
    order = (IntegrationClient.registered_at, IntegrationClient.id)
    return await paginate(session, query, order=order, cursor=cursor, limit=limit)
