"""The case file: one case as a worker opens it, with its contact details (the read is logged),
its contact attempts, its assessment and the referrals made from it.

It gathers from every domain that works a case, so it sits above them all: nothing imports it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.assessments import repository as assessment_repository
from assessment_api.cases import repository
from assessment_api.cases.dependencies import WorkerDep, visible_case
from assessment_api.cases.models import Case
from assessment_api.cases.schemas import (
    CaseOut,
    SafeguardingSummary,
    SupportReferralSummary,
    attempt_out,
    is_overdue,
)
from assessment_api.db import kit
from assessment_api.safeguarding import repository as safeguarding_repository
from assessment_api.safeguarding.models import SafeguardingStatus
from assessment_api.support import repository as support_repository
from servicekit.access_log import record_access
from servicekit.app import SessionDep
from servicekit.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["cases"])


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
