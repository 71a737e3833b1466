"""The assessment: read it, save it in progress, complete it with an allocation."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.assessments import repository, service
from assessment_api.assessments.models import Assessment
from assessment_api.assessments.schemas import (
    AssessmentIn,
    AssessmentOut,
    CompletionIn,
    ScoreOut,
    example_assessment,
    example_override,
)
from assessment_api.cases.dependencies import WorkerDep, visible_case
from assessment_api.cases.models import Case
from assessment_api.db import kit
from assessment_api.dependencies import SettingsDep
from assessment_api.exceptions import assessment_not_found
from assessment_api.responses import CONFLICT
from servicekit.access_log import record_access
from servicekit.app import SessionDep
from servicekit.idempotency import OptionalIdempotencyKey, StoredResponse, respond_once, scope_for
from servicekit.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["assessments"])


async def assessment_out(
    session: AsyncSession, case: Case, assessment: Assessment
) -> AssessmentOut:
    completed = assessment.status == service.COMPLETED
    # a completed assessment shows the allocation stored then; only a proposal still to come
    # looks at the safeguarding referrals raised so far
    raised = () if completed else await service.safeguarding_raised(session, case)
    scored = service.score(service.stored_answers(assessment), case, raised)
    proposal = None if completed else scored.proposal()
    if completed:
        # what was computed and stored at completion, with the versions then in force
        scores = [ScoreOut.model_validate(s) for s in assessment.scores or []]
    else:
        scores = [ScoreOut.model_validate(s.as_dict()) for s in scored.scores]
    return AssessmentOut.of(
        assessment,
        main_substance=scored.main_substance,
        answers=scored.answers,
        scores=scores,
        missing=[] if completed else scored.missing,
        # the rule's proposal while in progress; on completion, the allocation stored then
        proposal=proposal,
        allocation=assessment if completed else None,
    )


async def _audit(session: AsyncSession, worker: WorkerDep, case: Case, purpose: str) -> None:
    await record_access(
        session,
        kit,
        worker.principal,
        action="read",
        resource_type="assessment",
        resource_id=str(case.id),
        force_id=case.force_id,
        purpose=purpose,
    )


@router.get(
    "/cases/{case_id}/assessment",
    response_model=AssessmentOut,
    operation_id="get_assessment",
    responses=problem_responses(404),
)
async def get_assessment(
    case_id: uuid.UUID, worker: WorkerDep, session: SessionDep
) -> AssessmentOut:
    """The assessment saved so far (or completed), with the scores computed from it. Audited."""
    case = await visible_case(session, worker, case_id)
    assessment = await repository.for_case(session=session, case_id=case.id)
    if assessment is None:
        raise assessment_not_found()
    await _audit(session, worker, case, "continue or review the assessment")
    out = await assessment_out(session, case, assessment)
    await session.commit()
    return out


@router.put(
    "/cases/{case_id}/assessment",
    response_model=AssessmentOut,
    operation_id="save_assessment",
    responses=problem_responses(404, CONFLICT),
)
async def save_assessment(
    case_id: uuid.UUID,
    body: Annotated[
        AssessmentIn,
        Body(openapi_examples={"cannabis": {"value": example_assessment()}}),
    ],
    worker: WorkerDep,
    session: SessionDep,
) -> AssessmentOut:
    """Save the assessment in progress (answers, needs, advice), replacing the last save.

    Returns the scores computed so far, what is still missing, and once nothing is, the pathway
    the rule proposes with its reasons. Answers are option codes from `GET /v1/instruments`;
    scores are never accepted.
    """
    case = await visible_case(session, worker, case_id)
    assessment = await service.save(session=session, case=case, answers=body, worker=worker)
    out = await assessment_out(session, case, assessment)
    await session.commit()
    return out


@router.post(
    "/cases/{case_id}/assessment/completion",
    status_code=201,
    response_model=AssessmentOut,
    operation_id="complete_assessment",
    responses={
        201: {
            "description": "Completed: the scores, the proposed pathway with its reasons, and the "
            "allocation (overridden only with a written reason).",
            "links": {
                "GetAssessment": {
                    "operationId": "get_assessment",
                    "parameters": {"case_id": "$request.path.case_id"},
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
async def complete_assessment(
    case_id: uuid.UUID,
    body: Annotated[
        CompletionIn,
        Body(
            openapi_examples={
                "as_proposed": {"summary": "Accept the proposed pathway", "value": {}},
                "override": {
                    "summary": "Choose another, with a reason",
                    "value": example_override(),
                },
            }
        ),
    ],
    worker: WorkerDep,
    session: SessionDep,
    settings: SettingsDep,
    key: OptionalIdempotencyKey,
) -> Any:
    """Complete the saved assessment: the service scores it, proposes a pathway with its reasons,
    applies an override only with a written reason (audited), and closes the case as assessed."""
    case = await visible_case(session, worker, case_id)

    async def perform() -> StoredResponse:
        assessment, _, _ = await service.complete(
            session=session, case=case, request=body, worker=worker, settings=settings
        )
        out = await assessment_out(session, case, assessment)
        return StoredResponse(
            201,
            out.model_dump(mode="json"),
            {"Location": f"/v1/cases/{case.id}/assessment"},
        )

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(worker.subject, f"POST /v1/cases/{case_id}/assessment/completion"),
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    return answer.json_response()
