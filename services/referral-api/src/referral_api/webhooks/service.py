"""Registering a force's webhook endpoints, rotating their secrets, and the messages they are owed.

A closed referral becomes one message per active endpoint of its force, in the transaction that
closes it (`enqueue`), with its `webhook-id` and body fixed then: the sender only ever retries
that message, so one outcome never reaches one endpoint as two different messages.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.exceptions import delivery_still_pending, invalid_field, webhook_url_refused
from referral_api.webhooks import repository
from referral_api.webhooks.addresses import RefusedAddress, Resolver, check_url, resolve
from referral_api.webhooks.models import (
    DeliveryStatus,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from referral_api.webhooks.schemas import WebhookIn
from referral_api.webhooks.signing import new_message_id, new_secret
from servicekit.auth import Principal


async def enqueue(
    *,
    session: AsyncSession,
    force_id: str,
    entry_id: uuid.UUID,
    referral_id: uuid.UUID,
    body: str,
    at: datetime,
) -> int:
    """One message per active endpoint of the force, due at once; returns how many."""
    endpoints = await repository.active_endpoints(session=session, force_id=force_id)
    for endpoint in endpoints:
        session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                entry_id=entry_id,
                referral_id=referral_id,
                message_id=new_message_id(),
                body=body,
                status=DeliveryStatus.pending,
                attempts=0,
                next_attempt_at=at,
                created_at=at,
            )
        )
    return len(endpoints)


async def register(
    *,
    session: AsyncSession,
    principal: Principal,
    payload: WebhookIn,
    force_exists: bool,
    development: bool,
    now: datetime,
    resolver: Resolver = resolve,
) -> tuple[WebhookEndpoint, str]:
    """A new active endpoint and its signing secret (which only this answer shows)."""
    if not principal.can_see_force(payload.force) or not force_exists:
        raise invalid_field("force", "is not a force your token may administer here")
    try:
        await check_url(payload.url, development=development, resolver=resolver)
    except RefusedAddress as refused:
        raise webhook_url_refused(str(refused)) from None
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        force_id=payload.force,
        url=payload.url,
        description=payload.description,
        status=EndpointStatus.active,
        secret=secret,
        created_at=now,
        created_by=principal.subject,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint, secret


def rotate_secret(*, endpoint: WebhookEndpoint, overlap: timedelta, now: datetime) -> str:
    """A new secret; the one it replaces signs beside it for `overlap`, then is dropped.

    A rotation during an overlap drops the oldest at once: only the two newest ever sign.
    """
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + overlap
    endpoint.secret = secret
    return secret


def redeliver(*, delivery: WebhookDelivery, now: datetime) -> None:
    """Send a given-up (or delivered) message again, as the same message: its `webhook-id` and
    body stay; each attempt is signed afresh."""
    if delivery.status is DeliveryStatus.pending:
        raise delivery_still_pending()
    delivery.status = DeliveryStatus.pending
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.lease_token = None
    delivery.lease_until = None
