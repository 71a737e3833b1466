"""The referral endpoints: submit (idempotent), read, list, withdraw."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse

from contracts.vocabulary import ReferralStatus
from referral_api.db import kit
from referral_api.dependencies import ForceDep, SettingsDep
from referral_api.exceptions import invalid_field, referral_not_found
from referral_api.referrals import engagement, fhir, repository, service
from referral_api.referrals.models import Referral, ReferralStep
from referral_api.referrals.schemas import (
    ReferralCreated,
    ReferralIn,
    ReferralOut,
    ReferralPage,
    TimelineStep,
    WithdrawalIn,
    example_referral,
)
from servicekit import idempotency
from servicekit.access_log import record_access
from servicekit.app import SessionDep
from servicekit.auth import CurrentPrincipal, Principal, Role, Scope, require_roles
from servicekit.paging import CursorQuery, LimitQuery
from servicekit.problems import problem_responses
from servicekit.types import IsoDate

router = APIRouter(prefix="/v1", tags=["referrals"])

ENGAGEMENT = {
    ReferralStatus.submitted: "not yet contacted",
    ReferralStatus.contacted: "contacted",
    ReferralStatus.assessed: "assessed",
    ReferralStatus.booked: "booked",
    ReferralStatus.completed: "completed",
    ReferralStatus.not_engaged: "did not engage",
    ReferralStatus.withdrawn: "withdrawn",
}
ALREADY_CLOSED = (
    409,
    "The referral is already closed (completed, did not engage, or withdrawn): it can no "
    "longer be withdrawn.",
)


# Who is told whether the person was referred before. Never officers: they see only whether a
# person is eligible, not their history.
SEES_REREFERRAL = frozenset({Role.supervisor, Role.integration})


def _out(referral: Referral, principal: Principal, steps: list[ReferralStep]) -> ReferralOut:
    return ReferralOut.of(
        referral,
        engagement=ENGAGEMENT[referral.status],
        timeline=[
            TimelineStep(status=step.status, at=step.at)
            for step in engagement.timeline(referral, steps)
        ],
        person=referral,
        encounter=referral,
        substances=[s["substance"] for s in referral.substances],
        is_rereferral=referral.is_rereferral if principal.role in SEES_REREFERRAL else None,
    )


@router.post(
    "/referrals",
    status_code=201,
    response_model=ReferralCreated,
    responses={
        201: {
            "description": "Referral stored; note the reference on the crime record.",
            "links": {
                "GetReferral": {
                    "operationId": "get_referral",
                    "parameters": {"referral_id": "$response.body#/id"},
                },
                "WithdrawReferral": {
                    "operationId": "withdraw_referral",
                    "parameters": {"referral_id": "$response.body#/id"},
                },
            },
        },
        200: {"description": "A retry with the same Idempotency-Key: the stored response."},
    },
    dependencies=[require_roles(Role.officer, Role.integration, scope=Scope.referrals_write)],
)
async def submit_referral(
    request: Request,
    body: Annotated[ReferralIn, Body(openapi_examples={"cannabis": {"value": example_referral()}})],
    key: idempotency.IdempotencyKey,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    force: ForceDep,
) -> JSONResponse:
    """Submit a referral. Send a new Idempotency-Key (a UUID) per referral and reuse it on retry:
    a retry gets the same referral back and never creates a second.

    An ineligible person is refused with the reasons (and `not_before` when barred).
    """

    async def perform() -> idempotency.StoredResponse:
        created = await service.submit(
            session=session, settings=settings, principal=principal, force=force, payload=body
        )
        return idempotency.StoredResponse(
            201, created.model_dump(mode="json"), {"Location": f"/v1/referrals/{created.id}"}
        )

    answer = await idempotency.respond_once(
        session,
        kit,
        key=key,
        scope=f"{principal.subject}:POST /v1/referrals",
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    return answer.json_response()


async def _steps(session: SessionDep, referral: Referral) -> list[ReferralStep]:
    return (await repository.steps_of(session=session, referral_ids=[referral.id]))[referral.id]


async def _audit(
    session: SessionDep,
    principal: Principal,
    referral: Referral,
    purpose: str,
    *,
    action: str = "read",
) -> None:
    await record_access(
        session,
        kit,
        principal,
        action=action,
        resource_type="referral",
        resource_id=str(referral.id),
        force_id=referral.force_id,
        purpose=purpose,
    )


@router.get(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    operation_id="get_referral",
    responses=problem_responses(404),
    dependencies=[
        require_roles(Role.officer, Role.supervisor, Role.integration, scope=Scope.referrals_read)
    ],
)
async def get_referral(
    referral_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> ReferralOut:
    """One referral with its engagement status and outcome; never assessment content."""
    referral = await repository.get_visible(
        session=session, principal=principal, referral_id=referral_id
    )
    if referral is None:
        raise referral_not_found()
    steps = await _steps(session, referral)  # in the same transaction as the referral
    await _audit(session, principal, referral, "view referral status")
    await session.commit()
    return _out(referral, principal, steps)


@router.get(
    "/referrals",
    response_model=ReferralPage,
    operation_id="list_referrals",
    responses={
        200: {
            "description": "One page of referrals, newest first.",
            "links": {
                "GetFirstReferral": {
                    "operationId": "get_referral",
                    "parameters": {"referral_id": "$response.body#/items/0/id"},
                },
                "NextPage": {
                    "operationId": "list_referrals",
                    "parameters": {"cursor": "$response.body#/next_cursor"},
                },
            },
        }
    },
    dependencies=[require_roles(Role.officer, Role.supervisor)],
)
async def list_referrals(
    principal: CurrentPrincipal,
    session: SessionDep,
    status: Annotated[list[ReferralStatus] | None, Query(description="Any of these.")] = None,
    submitted_from: Annotated[IsoDate | None, Query(description="On or after this day.")] = None,
    submitted_to: Annotated[IsoDate | None, Query(description="On or before this day.")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> ReferralPage:
    """Officers see their own referrals; supervisors their force's. Newest first."""
    if submitted_from and submitted_to and submitted_from > submitted_to:
        raise invalid_field("submitted_from", "is after submitted_to")
    found = await repository.list_visible(
        session=session,
        principal=principal,
        statuses=status or [],
        submitted_from=(
            datetime.combine(submitted_from, time.min, tzinfo=UTC) if submitted_from else None
        ),
        submitted_before=(
            datetime.combine(submitted_to, time.max, tzinfo=UTC) if submitted_to else None
        ),
        cursor=cursor,
        limit=limit,
    )
    steps = await repository.steps_of(session=session, referral_ids=[r.id for r in found.rows])
    for referral in found.rows:
        await _audit(session, principal, referral, "list referrals")
    await session.commit()
    return ReferralPage(
        items=[_out(r, principal, steps[r.id]) for r in found.rows],
        next_cursor=found.next_cursor,
    )


@router.post(
    "/referrals/{referral_id}/withdrawal",
    response_model=ReferralOut,
    operation_id="withdraw_referral",
    responses=problem_responses(404, ALREADY_CLOSED),
    dependencies=[require_roles(Role.officer, Role.supervisor)],
)
async def withdraw_referral(
    referral_id: uuid.UUID,
    body: Annotated[
        WithdrawalIn,
        Body(openapi_examples={"error": {"value": {"reason": "made_in_error"}}}),
    ],
    principal: CurrentPrincipal,
    session: SessionDep,
    force: ForceDep,
    key: idempotency.OptionalIdempotencyKey,
) -> ReferralOut:
    """Withdraw a referral made in error. The drug service closes its case; no bar is set.

    Send an Idempotency-Key (a UUID) and reuse it on retry: a retry whose first response was
    lost gets the withdrawn referral back, not a conflict, and nothing is withdrawn twice.
    """

    async def perform() -> idempotency.StoredResponse:
        # locked: a completion applied at the same moment waits, then finds it withdrawn
        referral = await repository.get_visible(
            session=session, principal=principal, referral_id=referral_id, for_update=True
        )
        if referral is None:
            raise referral_not_found()
        await service.withdraw(session=session, referral=referral, force=force, payload=body)
        await _audit(
            session, principal, referral, "withdraw a referral made in error", action="withdraw"
        )
        # only the id is kept with the key: the person's details stay encrypted in the referral
        return idempotency.StoredResponse(200, {"id": str(referral.id)}, {})

    answer = await idempotency.respond_once(
        session,
        kit,
        key=key,
        scope=idempotency.scope_for(
            principal.subject, f"POST /v1/referrals/{referral_id}/withdrawal"
        ),
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    referral = await repository.get_visible(
        session=session, principal=principal, referral_id=referral_id
    )
    if referral is None:
        raise referral_not_found()
    if answer.replayed:
        # answered from an earlier request's stored response (a retry), not by this request's
        # own committed withdrawal: it shows the person's details again. `perform` may have run
        # to the end and still have changed nothing (its commit clashed with the same key and
        # was rolled back), so only the kit, which sees how the write ended, can tell.
        await _audit(session, principal, referral, "withdrawal retried")
        await session.commit()
    return _out(referral, principal, await _steps(session, referral))


# What the document promises of the FHIR answer; fhir.resources checks the whole of it in
# referrals/fhir.py before it leaves.
_FHIR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An HL7 FHIR R4 ServiceRequest (UK Core profile): the person as a contained "
    "Patient with name, birth date and gender only, never contact details.",
    "required": ["resourceType", "id", "status", "intent", "subject", "authoredOn"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["ServiceRequest"]},
        "id": {"type": "string"},
        "status": {
            "type": "string",
            "enum": sorted({*fhir.STATUS.values(), "entered-in-error"}),
        },
        "intent": {"type": "string", "enum": ["order"]},
        "subject": {"type": "object"},
        "authoredOn": {"type": "string"},
    },
}


@router.get(
    "/referrals/{referral_id}/fhir",
    operation_id="get_referral_fhir",
    response_class=JSONResponse,
    responses={
        200: {
            "description": "The referral as a FHIR R4 ServiceRequest.",
            "content": {fhir.MEDIA_TYPE: {"schema": _FHIR_SCHEMA}},
        },
        **problem_responses(404),
    },
    dependencies=[require_roles(Role.supervisor, Role.integration, scope=Scope.referrals_read)],
)
async def get_referral_fhir(
    referral_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, force: ForceDep
) -> JSONResponse:
    """The referral as an HL7 FHIR R4 ServiceRequest (UK Core), `application/fhir+json`, for a
    force's or a health system's records: status and engagement, never contact details."""
    referral = await repository.get_visible(
        session=session, principal=principal, referral_id=referral_id
    )
    if referral is None:
        raise referral_not_found()
    await _audit(session, principal, referral, "read referral as FHIR")
    await session.commit()
    return JSONResponse(
        fhir.service_request(referral, force_name=force.name), media_type=fhir.MEDIA_TYPE
    )
