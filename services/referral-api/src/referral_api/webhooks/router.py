"""The webhook endpoints an admin manages for their force, and the failed list they redeliver."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from referral_api.dependencies import SettingsDep
from referral_api.exceptions import delivery_not_found, webhook_not_found
from referral_api.webhooks import repository, service
from referral_api.webhooks.addresses import Resolver, resolve
from referral_api.webhooks.models import (
    DeliveryStatus,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from referral_api.webhooks.schemas import (
    DeliveryOut,
    DeliveryPage,
    SecretRotated,
    WebhookChange,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPage,
    example_webhook,
)
from servicekit.app import SessionDep
from servicekit.auth import CurrentPrincipal, Principal, Role, require_roles
from servicekit.paging import CursorQuery, LimitQuery, paginate
from servicekit.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["webhooks"])
ADMIN = [require_roles(Role.admin)]
NOT_PENDING = (409, "The message is still waiting for its next attempt.")


def _resolver(request: Request) -> Resolver:
    # tests point host names where they need them; production resolves through the system
    found: Resolver = getattr(request.app.state, "resolve_host", resolve)
    return found


async def _endpoint(
    session: SessionDep, principal: Principal, webhook_id: uuid.UUID
) -> WebhookEndpoint:
    endpoint = await repository.get_endpoint(
        session=session, forces=principal.forces, endpoint_id=webhook_id
    )
    if endpoint is None:
        raise webhook_not_found()
    return endpoint


ONE = {
    "GetWebhook": {
        "operationId": "get_webhook",
        "parameters": {"webhook_id": "$response.body#/id"},
    },
    "ListDeliveries": {
        "operationId": "list_webhook_deliveries",
        "parameters": {"webhook_id": "$response.body#/id"},
    },
}


@router.post(
    "/webhooks",
    status_code=201,
    response_model=WebhookCreated,
    operation_id="create_webhook",
    responses={201: {"description": "Registered; store the secret now.", "links": ONE}},
    dependencies=ADMIN,
)
async def create_webhook(
    request: Request,
    body: Annotated[WebhookIn, Body(openapi_examples={"rms": {"value": example_webhook()}})],
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> WebhookCreated:
    """Register an endpoint that receives each of the force's closed referrals, signed.

    The answer carries the signing secret, this once. A lost answer is recovered by rotating the
    secret, not by asking again: the secret is never stored anywhere in clear.
    """
    endpoint, secret = await service.register(
        session=session,
        principal=principal,
        payload=body,
        force_exists=await repository.force_exists(session=session, force_id=body.force),
        development=settings.development,
        now=datetime.now(UTC),
        resolver=_resolver(request),
    )
    await session.commit()
    return WebhookCreated.of(endpoint, secret=secret)


@router.get(
    "/webhooks",
    response_model=WebhookPage,
    operation_id="list_webhooks",
    responses={
        200: {
            "description": "One page of the force's endpoints, oldest first.",
            "links": {
                "NextPage": {
                    "operationId": "list_webhooks",
                    "parameters": {"cursor": "$response.body#/next_cursor"},
                }
            },
        }
    },
    dependencies=ADMIN,
)
async def list_webhooks(
    principal: CurrentPrincipal,
    session: SessionDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> WebhookPage:
    """The endpoints of the forces the caller administers; never their secrets."""
    found = await paginate(
        session,
        repository.endpoints_of(principal.forces),
        order=(WebhookEndpoint.created_at, WebhookEndpoint.id),
        cursor=cursor,
        limit=limit,
    )
    return WebhookPage(items=[WebhookOut.of(e) for e in found.rows], next_cursor=found.next_cursor)


@router.get(
    "/webhooks/{webhook_id}",
    response_model=WebhookOut,
    operation_id="get_webhook",
    responses=problem_responses(404),
    dependencies=ADMIN,
)
async def get_webhook(
    webhook_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> WebhookOut:
    """One endpoint; never its secret."""
    return WebhookOut.of(await _endpoint(session, principal, webhook_id))


@router.patch(
    "/webhooks/{webhook_id}",
    response_model=WebhookOut,
    operation_id="change_webhook",
    responses=problem_responses(404),
    dependencies=ADMIN,
)
async def change_webhook(
    webhook_id: uuid.UUID,
    body: Annotated[WebhookChange, Body(openapi_examples={"pause": {"value": {"enabled": False}}})],
    principal: CurrentPrincipal,
    session: SessionDep,
) -> WebhookOut:
    """Disable an endpoint (its messages wait, and new outcomes are not queued for it) or enable
    it again (what waited is sent)."""
    endpoint = await _endpoint(session, principal, webhook_id)
    endpoint.status = EndpointStatus.active if body.enabled else EndpointStatus.disabled
    await session.commit()
    return WebhookOut.of(endpoint)


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    operation_id="delete_webhook",
    responses=problem_responses(404),
    dependencies=ADMIN,
)
async def delete_webhook(
    webhook_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Delete an endpoint and every message still owed to it."""
    endpoint = await _endpoint(session, principal, webhook_id)
    await repository.delete_endpoint(session=session, endpoint_id=endpoint.id)
    await session.commit()
    return Response(status_code=204)


@router.post(
    "/webhooks/{webhook_id}/secret-rotation",
    response_model=SecretRotated,
    operation_id="rotate_webhook_secret",
    responses=problem_responses(404),
    dependencies=ADMIN,
)
async def rotate_webhook_secret(
    webhook_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> SecretRotated:
    """A new signing secret, shown this once. The old one keeps signing beside it for the
    overlap (`WEBHOOK_SECRET_OVERLAP_SECONDS`), so the receiver can change over without losing a
    message; after it, only the new one signs."""
    endpoint = await _endpoint(session, principal, webhook_id)
    secret = service.rotate_secret(
        endpoint=endpoint,
        overlap=timedelta(seconds=settings.webhook_secret_overlap_seconds),
        now=datetime.now(UTC),
    )
    await session.commit()
    return SecretRotated.of(endpoint, secret=secret)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=DeliveryPage,
    operation_id="list_webhook_deliveries",
    responses=problem_responses(404),
    dependencies=ADMIN,
)
async def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    status: Annotated[
        DeliveryStatus | None, Query(description="failed: the messages given up.")
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> DeliveryPage:
    """The endpoint's messages, oldest first; `status=failed` is the list to redeliver from."""
    endpoint = await _endpoint(session, principal, webhook_id)
    found = await paginate(
        session,
        repository.deliveries_of(endpoint.id, status),
        order=(WebhookDelivery.created_at, WebhookDelivery.id),
        cursor=cursor,
        limit=limit,
    )
    return DeliveryPage(items=[_delivery(d) for d in found.rows], next_cursor=found.next_cursor)


def _delivery(delivery: WebhookDelivery) -> DeliveryOut:
    pending = delivery.status is DeliveryStatus.pending
    return DeliveryOut.of(delivery, next_attempt_at=delivery.next_attempt_at if pending else None)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redelivery",
    response_model=DeliveryOut,
    operation_id="redeliver_webhook_message",
    responses=problem_responses(404, NOT_PENDING),
    dependencies=ADMIN,
)
async def redeliver_webhook_message(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> DeliveryOut:
    """Send a given-up message again: the same `webhook-id` and body, a new timestamp and
    signature, and a fresh round of attempts. A message already waiting is a 409: it is sent
    once, however often it is asked for."""
    endpoint = await _endpoint(session, principal, webhook_id)
    delivery = await repository.get_delivery(
        session=session, endpoint_id=endpoint.id, delivery_id=delivery_id
    )
    if delivery is None:
        raise delivery_not_found()
    service.redeliver(delivery=delivery, now=datetime.now(UTC))
    await session.commit()
    return _delivery(delivery)
