"""POST /v1/cases/{id}/support-referrals."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body

from assessment_api.cases.dependencies import WorkerDep, visible_case
from assessment_api.db import kit
from assessment_api.responses import CONFLICT
from assessment_api.support import service
from assessment_api.support.schemas import (
    SupportReferralIn,
    SupportReferralOut,
    example_support_referral,
)
from servicekit.app import SessionDep
from servicekit.idempotency import OptionalIdempotencyKey, StoredResponse, respond_once, scope_for
from servicekit.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["support referrals"])


@router.post(
    "/cases/{case_id}/support-referrals",
    status_code=201,
    response_model=SupportReferralOut,
    operation_id="refer_to_support",
    responses={
        201: {
            "description": "The person is referred; the case lists the referral.",
            "links": {
                "GetCase": {
                    "operationId": "get_case",
                    "parameters": {"case_id": "$request.path.case_id"},
                }
            },
        },
        **problem_responses(404, CONFLICT),
    },
)
async def refer_to_support(
    case_id: uuid.UUID,
    body: Annotated[
        SupportReferralIn, Body(openapi_examples={"housing": {"value": example_support_referral()}})
    ],
    worker: WorkerDep,
    session: SessionDep,
    key: OptionalIdempotencyKey,
) -> Any:
    """Refer the person, with their agreement, to a service in the directory for one need."""
    case = await visible_case(session, worker, case_id)

    async def perform() -> StoredResponse:
        referral, service_name = await service.refer(
            session=session, case=case, payload=body, referred_by=worker.subject
        )
        out = SupportReferralOut.of(referral, service_name=service_name)
        return StoredResponse(
            201, out.model_dump(mode="json"), {"Location": f"/v1/cases/{case.id}"}
        )

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(worker.subject, f"POST /v1/cases/{case_id}/support-referrals"),
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    return answer.json_response()
