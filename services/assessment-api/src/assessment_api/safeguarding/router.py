"""Safeguarding referrals: raise one on a case, follow it up, close it with a note, and list
those still needing follow-up."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.cases import repository as case_repository
from assessment_api.cases.dependencies import WorkerDep, visible_case
from assessment_api.db import kit
from assessment_api.exceptions import safeguarding_referral_not_found
from assessment_api.responses import CONFLICT
from assessment_api.safeguarding import repository, service
from assessment_api.safeguarding.models import SafeguardingReferral, SafeguardingStatus
from assessment_api.safeguarding.schemas import (
    SafeguardingListItem,
    SafeguardingPage,
    SafeguardingReferralIn,
    SafeguardingReferralOut,
    SafeguardingUpdateIn,
    example_closing,
    example_follow_up,
    example_safeguarding_referral,
)
from servicekit.access_log import record_access
from servicekit.app import SessionDep
from servicekit.idempotency import OptionalIdempotencyKey, StoredResponse, respond_once, scope_for
from servicekit.paging import CursorQuery, LimitQuery
from servicekit.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["safeguarding referrals"])


async def referral_out(
    session: AsyncSession, referral: SafeguardingReferral
) -> SafeguardingReferralOut:
    follow_ups = await repository.follow_ups(session=session, referral_id=referral.id)
    return SafeguardingReferralOut.of(
        referral,
        needs_follow_up=referral.status is SafeguardingStatus.open,
        follow_ups=follow_ups,
    )


@router.post(
    "/cases/{case_id}/safeguarding-referrals",
    status_code=201,
    response_model=SafeguardingReferralOut,
    operation_id="raise_safeguarding_referral",
    responses={
        201: {
            "description": "Raised; it stays open, listed as needing follow-up, until closed.",
            "links": {
                "GetSafeguardingReferral": {
                    "operationId": "get_safeguarding_referral",
                    "parameters": {"safeguarding_referral_id": "$response.body#/id"},
                },
                "FollowUpSafeguardingReferral": {
                    "operationId": "follow_up_safeguarding_referral",
                    "parameters": {"safeguarding_referral_id": "$response.body#/id"},
                },
                "GetCase": {
                    "operationId": "get_case",
                    "parameters": {"case_id": "$request.path.case_id"},
                },
            },
        },
        **problem_responses(404, CONFLICT),
    },
)
async def raise_safeguarding_referral(
    case_id: uuid.UUID,
    body: Annotated[
        SafeguardingReferralIn,
        Body(openapi_examples={"exploitation": {"value": example_safeguarding_referral()}}),
    ],
    worker: WorkerDep,
    session: SessionDep,
    key: OptionalIdempotencyKey,
) -> Any:
    """Raise a safeguarding referral for the person. It must be followed up and closed."""
    case = await visible_case(session, worker, case_id)

    async def perform() -> StoredResponse:
        referral = await service.raise_referral(
            session=session, case=case, payload=body, raised_by=worker.subject
        )
        out = await referral_out(session, referral)
        return StoredResponse(
            201,
            out.model_dump(mode="json"),
            {"Location": f"/v1/safeguarding-referrals/{referral.id}"},
        )

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(worker.subject, f"POST /v1/cases/{case_id}/safeguarding-referrals"),
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    return answer.json_response()


async def visible_referral(
    session: AsyncSession, worker: WorkerDep, referral_id: uuid.UUID
) -> SafeguardingReferral:
    referral = await repository.get_visible(
        session=session, scope=worker.scope, referral_id=referral_id
    )
    if referral is None:
        raise safeguarding_referral_not_found()
    return referral


@router.get(
    "/safeguarding-referrals/{safeguarding_referral_id}",
    response_model=SafeguardingReferralOut,
    operation_id="get_safeguarding_referral",
    responses=problem_responses(404),
)
async def get_safeguarding_referral(
    safeguarding_referral_id: uuid.UUID, worker: WorkerDep, session: SessionDep
) -> SafeguardingReferralOut:
    """One safeguarding referral with its follow-ups. The read is audited."""
    referral = await visible_referral(session, worker, safeguarding_referral_id)
    await record_access(
        session,
        kit,
        worker.principal,
        action="read",
        resource_type="safeguarding_referral",
        resource_id=str(referral.id),
        force_id=referral.force_id,
        purpose="follow up a safeguarding referral",
    )
    out = await referral_out(session, referral)
    await session.commit()
    return out


@router.patch(
    "/safeguarding-referrals/{safeguarding_referral_id}",
    response_model=SafeguardingReferralOut,
    operation_id="follow_up_safeguarding_referral",
    responses=problem_responses(404, CONFLICT),
)
async def follow_up_safeguarding_referral(
    safeguarding_referral_id: uuid.UUID,
    body: Annotated[
        SafeguardingUpdateIn,
        Body(
            openapi_examples={
                "follow_up": {"summary": "Record a follow-up", "value": example_follow_up()},
                "close": {"summary": "Close it with a note", "value": example_closing()},
            }
        ),
    ],
    worker: WorkerDep,
    session: SessionDep,
    key: OptionalIdempotencyKey,
) -> Any:
    """Record a follow-up; send `status: closed` to close the referral with that note."""
    referral = await visible_referral(session, worker, safeguarding_referral_id)

    async def perform() -> StoredResponse:
        updated = await service.follow_up(
            session=session, referral=referral, payload=body, by=worker.subject
        )
        out = await referral_out(session, updated)
        return StoredResponse(200, out.model_dump(mode="json"), {})

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(
            worker.subject, f"PATCH /v1/safeguarding-referrals/{safeguarding_referral_id}"
        ),
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    return answer.json_response()


@router.get(
    "/safeguarding-referrals",
    response_model=SafeguardingPage,
    operation_id="list_safeguarding_referrals",
    responses={
        200: {
            "description": "One page of safeguarding referrals.",
            "links": {
                "GetFirstSafeguardingReferral": {
                    "operationId": "get_safeguarding_referral",
                    "parameters": {"safeguarding_referral_id": "$response.body#/items/0/id"},
                },
                "NextPage": {
                    "operationId": "list_safeguarding_referrals",
                    "parameters": {"cursor": "$response.body#/next_cursor"},
                },
            },
        }
    },
)
async def list_safeguarding_referrals(
    worker: WorkerDep,
    session: SessionDep,
    status: Annotated[
        list[SafeguardingStatus] | None,
        Query(description="Open (needing follow-up) when absent."),
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> SafeguardingPage:
    """Safeguarding referrals, oldest first; by default the open ones needing follow-up."""
    found = await repository.listed(
        session=session,
        scope=worker.scope,
        statuses=status or [SafeguardingStatus.open],
        cursor=cursor,
        limit=limit,
    )
    references = await case_repository.references(
        session=session, case_ids=[r.case_id for r in found.rows]
    )
    return SafeguardingPage(
        items=[
            SafeguardingListItem.of(
                r,
                case_reference=references[r.case_id],
                needs_follow_up=r.status is SafeguardingStatus.open,
            )
            for r in found.rows
        ],
        next_cursor=found.next_cursor,
    )
