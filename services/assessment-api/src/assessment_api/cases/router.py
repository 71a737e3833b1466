"""The worker's queue and contact attempts; one case opens as a case file (`casefile/`)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from assessment_api.cases import repository, service
from assessment_api.cases.dependencies import WorkerDep, visible_case
from assessment_api.cases.models import OPEN_STATUSES, CaseStatus
from assessment_api.cases.schemas import (
    REACHED,
    CasePage,
    CaseSummary,
    ContactAttemptCreated,
    ContactAttemptIn,
    example_contact_attempt,
    example_no_answer,
    is_overdue,
)
from assessment_api.db import kit
from assessment_api.exceptions import invalid_field
from assessment_api.responses import CONFLICT
from servicekit.app import SessionDep
from servicekit.idempotency import OptionalIdempotencyKey, StoredResponse, respond_once, scope_for
from servicekit.paging import CursorQuery, LimitQuery
from servicekit.problems import problem_responses
from servicekit.types import IsoDate, QueryFlag

router = APIRouter(prefix="/v1", tags=["cases"])


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@router.get(
    "/cases",
    response_model=CasePage,
    operation_id="list_cases",
    responses={
        200: {
            "description": "One page of the queue.",
            "links": {
                "GetFirstCase": {
                    "operationId": "get_case",
                    "parameters": {"case_id": "$response.body#/items/0/id"},
                },
                "NextPage": {
                    "operationId": "list_cases",
                    "parameters": {"cursor": "$response.body#/next_cursor"},
                },
            },
        }
    },
)
async def list_cases(
    worker: WorkerDep,
    session: SessionDep,
    status: Annotated[
        list[CaseStatus] | None,
        Query(
            description="Any of these; the open cases (awaiting contact, contacted) when absent."
        ),
    ] = None,
    due_from: Annotated[IsoDate | None, Query(description="Due on or after this day.")] = None,
    due_to: Annotated[IsoDate | None, Query(description="Due on or before this day.")] = None,
    overdue: Annotated[
        QueryFlag | None, Query(description="true: only cases past their next deadline.")
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> CasePage:
    """The queue: the most overdue first (the soonest deadline), then the oldest referral.

    The queue carries no contact details; open a case to read them (the read is audited).
    """
    if due_from and due_to and due_from > due_to:
        raise invalid_field("due_from", "is after due_to")
    if due_to == date.max:
        raise invalid_field("due_to", f"must be before {date.max.isoformat()}")
    now = datetime.now(UTC)
    found = await repository.queue(
        session=session,
        scope=worker.scope,
        statuses=status or list(OPEN_STATUSES),
        due_from=_day_start(due_from) if due_from else None,
        due_before=_day_start(due_to + timedelta(days=1)) if due_to else None,
        overdue=overdue,
        now=now,
        cursor=cursor,
        limit=limit,
    )
    counts = await repository.attempt_counts(session=session, case_ids=[c.id for c in found.rows])
    return CasePage(
        items=[
            CaseSummary.of(c, attempts=counts.get(c.id, 0), overdue=is_overdue(c, now))
            for c in found.rows
        ],
        next_cursor=found.next_cursor,
    )


@router.post(
    "/cases/{case_id}/contact-attempts",
    status_code=201,
    response_model=ContactAttemptCreated,
    operation_id="record_contact_attempt",
    responses={
        201: {
            "description": "The attempt is recorded.",
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
async def record_contact_attempt(
    case_id: uuid.UUID,
    body: Annotated[
        ContactAttemptIn,
        Body(
            openapi_examples={
                "answered": {"summary": "Reached by phone", "value": example_contact_attempt()},
                "voicemail": {"summary": "Left a voicemail", "value": example_no_answer()},
            }
        ),
    ],
    worker: WorkerDep,
    session: SessionDep,
    key: OptionalIdempotencyKey,
) -> Any:
    """Log a contact attempt (time, channel, result). The first attempt that reaches the person
    marks the case contacted and tells the police side, once."""
    case = await visible_case(session, worker, case_id)

    async def perform() -> StoredResponse:
        attempt, first = await service.record_contact_attempt(
            session=session, case=case, payload=body, recorded_by=worker.subject
        )
        created = ContactAttemptCreated.of(
            attempt,
            reached=attempt.result in REACHED,
            case_status=case.status,
            first_contact=first,
        )
        return StoredResponse(
            201, created.model_dump(mode="json"), {"Location": f"/v1/cases/{case.id}"}
        )

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(worker.subject, f"POST /v1/cases/{case_id}/contact-attempts"),
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    return answer.json_response()
