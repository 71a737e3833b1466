"""Every query of the webhooks domain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CursorResult, Select, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.db import Base
from referral_api.webhooks.models import (
    DeliveryStatus,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
)


async def force_exists(*, session: AsyncSession, force_id: str) -> bool:
    # the table by name: forces sit above webhooks in the import directions
    forces = Base.metadata.tables["forces"]
    return await session.scalar(select(forces.c.id).where(forces.c.id == force_id)) is not None


async def active_endpoints(*, session: AsyncSession, force_id: str) -> list[WebhookEndpoint]:
    found = await session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.force_id == force_id, WebhookEndpoint.status == EndpointStatus.active
        )
    )
    return list(found.all())


async def get_endpoint(
    *, session: AsyncSession, forces: frozenset[str], endpoint_id: uuid.UUID
) -> WebhookEndpoint | None:
    """The endpoint, if it belongs to one of `forces` (another force's is not found)."""
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.force_id not in forces:
        return None
    return endpoint


def endpoints_of(forces: frozenset[str]) -> Select[WebhookEndpoint]:
    return select(WebhookEndpoint).where(WebhookEndpoint.force_id.in_(sorted(forces)))


def deliveries_of(endpoint_id: uuid.UUID, status: DeliveryStatus | None) -> Select[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return query


async def get_delivery(
    *, session: AsyncSession, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery | None:
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint_id:
        return None
    return delivery


async def delete_endpoint(*, session: AsyncSession, endpoint_id: uuid.UUID) -> None:
    # its messages go with it: nothing is owed to an endpoint that no longer exists
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id))
    await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))


def _claimable(now: datetime) -> list[object]:
    active = select(WebhookEndpoint.id).where(WebhookEndpoint.status == EndpointStatus.active)
    return [
        WebhookDelivery.status == DeliveryStatus.pending,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until <= now),
        WebhookDelivery.endpoint_id.in_(active),
    ]


async def due(*, session: AsyncSession, now: datetime, limit: int) -> list[uuid.UUID]:
    """Messages due for an attempt at `now`, to active endpoints, that no sender holds."""
    found = await session.scalars(
        select(WebhookDelivery.id)
        .where(and_(*_claimable(now)))  # type: ignore[arg-type]
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    return list(found.all())


async def claim(
    *,
    session: AsyncSession,
    delivery_id: uuid.UUID,
    token: uuid.UUID,
    now: datetime,
    lease_until: datetime,
) -> bool:
    """Take the message for one attempt, if it is still claimable: of two senders, one wins."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, *_claimable(now))  # type: ignore[arg-type]
        .values(
            lease_token=token,
            lease_until=lease_until,
            attempts=WebhookDelivery.attempts + 1,
            last_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


async def record_attempt(
    *, session: AsyncSession, delivery_id: uuid.UUID, token: uuid.UUID, **values: object
) -> bool:
    """Write an attempt's result, if this sender's claim still holds."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.lease_token == token)
        .values(lease_token=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


async def drop_expired_secrets(*, session: AsyncSession, now: datetime) -> None:
    """Forget rotated-out secrets once their overlap has passed."""
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.previous_secret_until <= now)
        .values(previous_secret=None, previous_secret_until=None)
        .execution_options(synchronize_session=False)
    )
