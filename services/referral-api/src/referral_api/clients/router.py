"""The registry of integration clients: register, read, suspend, reinstate, revoke (admin)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from referral_api.clients import repository, service
from referral_api.clients.models import ClientStatus, IntegrationClient
from referral_api.clients.schemas import (
    IntegrationClientIn,
    IntegrationClientOut,
    IntegrationClientPage,
    StatusChangeIn,
    example_client,
)
from referral_api.db import kit
from referral_api.dependencies import SettingsDep
from referral_api.exceptions import client_not_found
from referral_api.forces import repository as force_repository
from servicekit import idempotency
from servicekit.access_log import record_access
from servicekit.app import SessionDep
from servicekit.auth import Principal, Role, require_roles
from servicekit.paging import CursorQuery, LimitQuery
from servicekit.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["integration clients"])

Admin = Annotated[Principal, require_roles(Role.admin)]
REVOKED = (409, "The client was revoked, which is final.")
_LINKS = {
    "GetIntegrationClient": {
        "operationId": "get_integration_client",
        "parameters": {"integration_client_id": "$response.body#/id"},
    },
    "SuspendIntegrationClient": {
        "operationId": "suspend_integration_client",
        "parameters": {"integration_client_id": "$response.body#/id"},
    },
    "ReinstateIntegrationClient": {
        "operationId": "reinstate_integration_client",
        "parameters": {"integration_client_id": "$response.body#/id"},
    },
    "RevokeIntegrationClient": {
        "operationId": "revoke_integration_client",
        "parameters": {"integration_client_id": "$response.body#/id"},
    },
}
_REASON = {
    "reason": {"value": {"reason": "Reviewed with the force's information security officer."}}
}


async def _log(
    session: SessionDep, principal: Principal, client: IntegrationClient, action: str
) -> None:
    await record_access(
        session,
        kit,
        principal,
        action=action,
        resource_type="integration-client",
        resource_id=str(client.id),
        force_id=client.force_id,
        purpose=f"{action} integration client {client.client_id}"[:200],
    )


@router.post(
    "/integration-clients",
    status_code=201,
    response_model=IntegrationClientOut,
    operation_id="register_integration_client",
    responses={
        201: {"description": "Registered and active at once.", "links": _LINKS},
        200: {"description": "A retry with the same Idempotency-Key: the stored response."},
        **problem_responses(
            (409, "This client id at this issuer is registered already."),
        ),
    },
)
async def register_integration_client(
    body: Annotated[
        IntegrationClientIn, Body(openapi_examples={"records": {"value": example_client()}})
    ],
    principal: Admin,
    session: SessionDep,
    settings: SettingsDep,
    key: idempotency.OptionalIdempotencyKey,
) -> JSONResponse:
    """Register a force system's client (its id at the force's identity provider, which issues
    its tokens: this platform issues no secrets) with the scopes it is granted."""

    async def perform() -> idempotency.StoredResponse:
        force = await force_repository.get(session=session, force_id=body.force)
        client = await service.register(
            session=session,
            payload=body,
            trusted=settings.trusted_issuers,
            force_exists=force is not None,
            by=principal,
        )
        await _log(session, principal, client, "register")
        out = IntegrationClientOut.of(client).model_dump(mode="json")
        return idempotency.StoredResponse(
            201, out, {"Location": f"/v1/integration-clients/{client.id}"}
        )

    answer = await idempotency.respond_once(
        session,
        kit,
        key=key,
        scope=idempotency.scope_for(principal.subject, "POST /v1/integration-clients"),
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    return answer.json_response()


@router.get(
    "/integration-clients",
    response_model=IntegrationClientPage,
    operation_id="list_integration_clients",
    responses={
        200: {
            "description": "One page of clients, oldest registration first.",
            "links": {
                "NextPage": {
                    "operationId": "list_integration_clients",
                    "parameters": {"cursor": "$response.body#/next_cursor"},
                }
            },
        }
    },
)
async def list_integration_clients(
    principal: Admin,
    session: SessionDep,
    status: Annotated[list[ClientStatus] | None, Query(description="Any of these.")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> IntegrationClientPage:
    """The clients registered for the forces of your token."""
    found = await repository.list_in(
        session=session, forces=principal.forces, statuses=status or [], cursor=cursor, limit=limit
    )
    return IntegrationClientPage(
        items=[IntegrationClientOut.of(c) for c in found.rows], next_cursor=found.next_cursor
    )


async def _client(
    session: SessionDep, principal: Principal, client_id: uuid.UUID
) -> IntegrationClient:
    client = await repository.get_in(session=session, forces=principal.forces, client_id=client_id)
    if client is None:
        raise client_not_found()
    return client


@router.get(
    "/integration-clients/{integration_client_id}",
    response_model=IntegrationClientOut,
    operation_id="get_integration_client",
    responses=problem_responses(404),
)
async def get_integration_client(
    integration_client_id: uuid.UUID, principal: Admin, session: SessionDep
) -> IntegrationClientOut:
    """One client with its grant and status."""
    return IntegrationClientOut.of(await _client(session, principal, integration_client_id))


async def _change(
    session: SessionDep,
    principal: Principal,
    integration_client_id: uuid.UUID,
    to: ClientStatus,
    reason: str,
    action: str,
) -> IntegrationClientOut:
    client = await _client(session, principal, integration_client_id)
    before = client.status
    service.change_status(client, to, reason=reason)
    if client.status is not before:
        await _log(session, principal, client, action)
    await session.commit()
    return IntegrationClientOut.of(client)


@router.post(
    "/integration-clients/{integration_client_id}/suspension",
    response_model=IntegrationClientOut,
    operation_id="suspend_integration_client",
    responses=problem_responses(404, REVOKED),
)
async def suspend_integration_client(
    integration_client_id: uuid.UUID,
    body: Annotated[StatusChangeIn, Body(openapi_examples=_REASON)],
    principal: Admin,
    session: SessionDep,
) -> IntegrationClientOut:
    """Refuse the client from its next request, even with tokens already issued, until it is
    reinstated."""
    return await _change(
        session, principal, integration_client_id, ClientStatus.suspended, body.reason, "suspend"
    )


@router.post(
    "/integration-clients/{integration_client_id}/reinstatement",
    response_model=IntegrationClientOut,
    operation_id="reinstate_integration_client",
    responses=problem_responses(404, REVOKED),
)
async def reinstate_integration_client(
    integration_client_id: uuid.UUID,
    body: Annotated[StatusChangeIn, Body(openapi_examples=_REASON)],
    principal: Admin,
    session: SessionDep,
) -> IntegrationClientOut:
    """Let a suspended client in again, with the grant it had."""
    return await _change(
        session, principal, integration_client_id, ClientStatus.active, body.reason, "reinstate"
    )


@router.post(
    "/integration-clients/{integration_client_id}/revocation",
    response_model=IntegrationClientOut,
    operation_id="revoke_integration_client",
    responses=problem_responses(404, REVOKED),
)
async def revoke_integration_client(
    integration_client_id: uuid.UUID,
    body: Annotated[StatusChangeIn, Body(openapi_examples=_REASON)],
    principal: Admin,
    session: SessionDep,
) -> IntegrationClientOut:
    """Refuse the client for good from its next request, even with tokens already issued."""
    return await _change(
        session, principal, integration_client_id, ClientStatus.revoked, body.reason, "revoke"
    )
