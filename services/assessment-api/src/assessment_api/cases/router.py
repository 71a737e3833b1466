"""The worker's queue, one case (with contact details, audited), and contact attempts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.assessments import repository as assessment_repository
from assessment_api.cases import repository, service
from assessment_api.cases.dependencies import WorkerDep, visible_case
from assessment_api.cases.models import OPEN_STATUSES, Case, CaseStatus, ContactAttempt
from assessment_api.cases.schemas import (
    REACHED,
    CaseOut,
    CasePage,
    CaseSummary,
    ContactAttemptCreated,
    ContactAttemptIn,
    ContactAttemptOut,
    SafeguardingSummary,
    SupportReferralSummary,
    example_contact_attempt,
    example_no_answer,
)
from assessment_api.db import kit
from assessment_api.exceptions import invalid_field
from assessment_api.responses import CONFLICT
from assessment_api.safeguarding import repository as safeguarding_repository
from assessment_api.safeguarding.models import SafeguardingStatus
from assessment_api.support import repository as support_repository
from servicekit.app import SessionDep
from servicekit.audit import record_access
from servicekit.idempotency import OptionalIdempotencyKey, StoredResponse, respond_once, scope_for
from servicekit.paging import CursorQuery, LimitQuery
from servicekit.problems import problem_responses
from servicekit.types import IsoDate, QueryFlag

router = APIRouter(prefix="/v1", tags=["cases"])


def is_overdue(case: Case, now: datetime) -> bool:
    return case.status in OPEN_STATUSES and case.due_at < now


def attempt_out(attempt: ContactAttempt) -> ContactAttemptOut:
    return ContactAttemptOut.of(attempt, reached=attempt.result in REACHED)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@router.get("/cases", response_model=CasePage, operation_id="list_cases")
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


async def case_out(session: AsyncSession, case: Case, *, now: datetime) -> CaseOut:
    attempts = await repository.attempts_for(session=session, case_id=case.id)
    assessment = await assessment_repository.for_case(session=session, case_id=case.id)
    supports = await support_repository.for_case(session=session, case_id=case.id)
    safeguarding = await safeguarding_repository.for_case(session=session, case_id=case.id)
    return CaseOut.of(
        case,
        overdue=is_overdue(case, now),
        attempts=len(attempts),
        contact=case,
        contact_attempts=[attempt_out(a) for a in attempts],
        assessment=assessment,
        support_referrals=[
            SupportReferralSummary.of(referral, service_name=name) for referral, name in supports
        ],
        safeguarding_referrals=[
            SafeguardingSummary.of(s, needs_follow_up=s.status is SafeguardingStatus.open)
            for s in safeguarding
        ],
    )


@router.get(
    "/cases/{case_id}",
    response_model=CaseOut,
    operation_id="get_case",
    responses=problem_responses(404),
)
async def get_case(case_id: uuid.UUID, worker: WorkerDep, session: SessionDep) -> CaseOut:
    """One case with the person's contact details, attempts and referrals. The read is audited."""
    case = await visible_case(session, worker, case_id)
    await record_access(
        session,
        kit,
        worker.principal,
        action="read",
        resource_type="case",
        resource_id=str(case.id),
        force_id=case.force_id,
        purpose="contact and assess the person",
    )
    out = await case_out(session, case, now=datetime.now(UTC))
    await session.commit()
    return out


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
