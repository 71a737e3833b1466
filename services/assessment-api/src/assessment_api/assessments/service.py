"""Saving an assessment in progress, scoring it, and completing it with an allocation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.assessments import repository
from assessment_api.assessments.allocation import (
    Allocation,
    AllocationFacts,
    Override,
    OverrideRefused,
    Proposal,
    allocate,
    propose,
)
from assessment_api.assessments.models import Assessment
from assessment_api.assessments.reminders import sealed_reminder_contact
from assessment_api.assessments.schemas import HOLISTIC_DOMAINS, AssessmentIn, CompletionIn
from assessment_api.cases import repository as case_repository
from assessment_api.cases.dependencies import Worker
from assessment_api.cases.models import Case, CaseStatus
from assessment_api.config import Settings
from assessment_api.db import kit
from assessment_api.events import publish
from assessment_api.exceptions import case_conflict, invalid_field, invalid_fields
from assessment_api.instruments.catalogue import AUDIT, AUDIT_C, PGSI, SDS
from assessment_api.instruments.scoring import (
    Score,
    audit_c_positive,
    score_audit,
    score_audit_c,
    score_pgsi,
    score_sds,
    unanswered,
)
from assessment_api.safeguarding import repository as safeguarding_repository
from contracts.events.v1 import AssessmentCompleted
from contracts.sealed import SealedField
from contracts.vocabulary import (
    AuditBand,
    NeedLevel,
    PgsiBand,
    SafeguardingCategory,
    SdsBand,
    Substance,
)
from servicekit.access_log import record_access

IN_PROGRESS = "in_progress"
COMPLETED = "completed"


@dataclass(frozen=True)
class Scored:
    """An assessment's answers with everything the service computes from them."""

    answers: AssessmentIn
    main_substance: Substance
    audit_c: Score | None
    audit: Score | None
    pgsi: Score | None
    sds: Score | None
    missing: list[str]
    # the category of each safeguarding referral raised for the person (a fact of the case,
    # not an answer: allocation counts each one)
    safeguarding_raised: tuple[SafeguardingCategory, ...] = ()

    @property
    def scores(self) -> list[Score]:
        return [s for s in (self.audit_c, self.audit, self.pgsi, self.sds) if s is not None]

    @property
    def complete(self) -> bool:
        return not self.missing

    def facts(self) -> AllocationFacts:
        safeguarding = self.answers.needs.safeguarding
        exploitation = self.answers.needs.exploitation
        return AllocationFacts(
            main_substance=self.main_substance,
            substances_used=frozenset(e.substance for e in self.answers.substance_use.substances),
            injecting=self.answers.substance_use.any_injecting,
            sds_total=self.sds.total if self.sds else None,
            sds_cutoff=self.sds.cutoff if self.sds else None,
            audit_total=self.audit.total if self.audit else None,
            safeguarding=safeguarding.level if safeguarding else NeedLevel.none,
            exploitation=exploitation.level if exploitation else NeedLevel.none,
            safeguarding_referrals=self.safeguarding_raised,
        )

    def proposal(self) -> Proposal | None:
        return propose(self.facts()) if self.complete else None


async def safeguarding_raised(
    session: AsyncSession, case: Case
) -> tuple[SafeguardingCategory, ...]:
    """The category of each safeguarding referral raised for the case, open or closed."""
    referrals = await safeguarding_repository.for_case(session=session, case_id=case.id)
    return tuple(referral.category for referral in referrals)


def score(
    answers: AssessmentIn,
    case: Case,
    safeguarding_raised: tuple[SafeguardingCategory, ...] = (),
) -> Scored:
    """Score every instrument that is fully answered and list what completion still needs."""
    main = answers.main_substance or Substance(case.main_substance)
    audit_c_answers = answers.alcohol.audit_c.answers()
    audit_rest = answers.alcohol.audit.answers() if answers.alcohol.audit else {}
    audit_c = score_audit_c(audit_c_answers)
    audit = score_audit(audit_c_answers, audit_rest)
    missing: list[str] = []
    use = answers.substance_use
    if not use.substances:
        missing.append("substance_use.substances")
    elif main not in {e.substance for e in use.substances}:
        missing.append(f"substance_use.substances.{main.value}")
    if use.injecting is None:
        missing.append("substance_use.injecting")
    missing += [f"alcohol.audit_c.{q}" for q in unanswered(AUDIT_C, audit_c_answers)]
    if audit_c is not None and audit_c_positive(audit_c):
        remaining = [item for item in AUDIT.items if item not in AUDIT_C.items]
        missing += [f"alcohol.audit.{i.id}" for i in remaining if audit_rest.get(i.id) is None]
    missing += [f"gambling.{q}" for q in unanswered(PGSI, answers.gambling.answers())]
    missing += [f"dependence.{q}" for q in unanswered(SDS, answers.dependence.answers())]
    missing += [f"needs.{d.value}" for d in HOLISTIC_DOMAINS if answers.needs.of(d) is None]
    if not answers.advice_given:
        missing.append("advice_given")
    return Scored(
        answers=answers,
        main_substance=main,
        audit_c=audit_c,
        audit=audit,
        pgsi=score_pgsi(answers.gambling.answers()),
        sds=score_sds(answers.dependence.answers(), main),
        missing=missing,
        safeguarding_raised=safeguarding_raised,
    )


def _require_contacted(case: Case) -> None:
    status = CaseStatus(case.status)
    if status is CaseStatus.awaiting_contact:
        raise case_conflict(
            "Record the contact attempt that reached the person before the assessment.",
            slug="not-contacted",
        )
    if status is not CaseStatus.contacted:
        raise case_conflict(
            f"This case is {status.value.replace('_', ' ')}; its assessment can no longer change."
        )


async def _claim(session: AsyncSession, case: Case, now: datetime) -> None:
    _require_contacted(case)
    if not await case_repository.claim_open(session=session, case_id=case.id, now=now):
        await session.refresh(case)
        _require_contacted(case)


async def save(
    *,
    session: AsyncSession,
    case: Case,
    answers: AssessmentIn,
    worker: Worker,
    now: datetime | None = None,
) -> Assessment:
    """Save the answers so far (replacing the previous save)."""
    now = now or datetime.now(UTC)
    await _claim(session, case, now)
    assessment = await repository.for_case(session=session, case_id=case.id)
    document = answers.model_dump(mode="json", exclude_none=True)
    if assessment is None:
        assessment = Assessment(
            id=uuid.uuid4(),
            case_id=case.id,
            status=IN_PROGRESS,
            answers=document,
            started_at=now,
            started_by=worker.subject,
            updated_at=now,
            updated_by=worker.subject,
            overridden=False,
        )
        session.add(assessment)
    elif assessment.status == COMPLETED:
        raise case_conflict("The assessment is completed and can no longer change.")
    else:
        assessment.answers = document
        assessment.updated_at = now
        assessment.updated_by = worker.subject
    await session.flush()
    return assessment


def stored_answers(assessment: Assessment) -> AssessmentIn:
    return AssessmentIn.model_validate(assessment.answers)


def _audit_band(scored: Scored) -> AuditBand | None:
    if scored.audit is not None:
        return AuditBand(scored.audit.band)
    if scored.audit_c is not None and not audit_c_positive(scored.audit_c):
        return AuditBand.auditc_negative
    return None


async def complete(
    *,
    session: AsyncSession,
    case: Case,
    request: CompletionIn,
    worker: Worker,
    settings: Settings,
    now: datetime | None = None,
) -> tuple[Assessment, Scored, Allocation]:
    """Score the saved answers, allocate (or apply the worker's override) and close the case as
    assessed, publishing assessment.completed.v1 with categories and bands only, and the reminder
    contact sealed to scheduling-api when its key is configured."""
    now = now or datetime.now(UTC)
    assessment = await _claim_for_completion(session, case, worker, now)
    scored = score(stored_answers(assessment), case, await safeguarding_raised(session, case))
    proposal = _finished_proposal(scored)
    allocation = _allocation(proposal, request)
    _record_completion(assessment, scored, proposal, allocation, worker=worker, now=now)
    await _close_as_assessed(session, case, now)
    if allocation.overridden:
        await _log_override(session, case, proposal, allocation, worker=worker)
    await _publish_completed(
        session,
        case,
        scored,
        proposal,
        allocation,
        reminder_contact=sealed_reminder_contact(settings, case),
        now=now,
    )
    await session.flush()
    return assessment, scored, allocation


async def _claim_for_completion(
    session: AsyncSession, case: Case, worker: Worker, now: datetime
) -> Assessment:
    """The saved assessment, claimed so that only one completion of it can proceed."""
    await _claim(session, case, now)
    assessment = await repository.for_case(session=session, case_id=case.id)
    if assessment is None:
        raise case_conflict("Save the assessment before completing it.", slug="no-assessment")
    if not await repository.claim_in_progress(
        session=session, assessment_id=assessment.id, now=now, by=worker.subject
    ):
        raise case_conflict("The assessment is already completed.")
    await session.refresh(assessment)
    return assessment


def _finished_proposal(scored: Scored) -> Proposal:
    """The proposed pathway; refused, naming each answer still missing, until there is one."""
    proposal = scored.proposal()
    if proposal is None:
        raise invalid_fields(
            [{"field": f, "message": "answer this before completing"} for f in scored.missing],
            slug="assessment-incomplete",
            title="The assessment is not finished",
            detail="Answer these before completing: " + ", ".join(scored.missing) + ".",
        )
    return proposal


def _allocation(proposal: Proposal, request: CompletionIn) -> Allocation:
    """The proposal as it stands, or the worker's override of it (which needs a reason)."""
    override = request.override
    try:
        return allocate(proposal, Override(override.pathway, override.reason) if override else None)
    except OverrideRefused as refused:
        raise invalid_field(refused.field, refused.message) from None


def _record_completion(
    assessment: Assessment,
    scored: Scored,
    proposal: Proposal,
    allocation: Allocation,
    *,
    worker: Worker,
    now: datetime,
) -> None:
    assessment.status = COMPLETED
    assessment.completed_at = now
    assessment.completed_by = worker.subject
    assessment.scores = [s.as_dict() for s in scored.scores]
    assessment.reasons = [{"code": r.code.value, "text": r.text} for r in proposal.reasons]
    assessment.proposed_pathway = proposal.pathway
    assessment.pathway = allocation.pathway
    assessment.overridden = allocation.overridden
    assessment.override_reason = allocation.override_reason


async def _close_as_assessed(session: AsyncSession, case: Case, now: datetime) -> None:
    if not await case_repository.transition(
        session=session,
        case_id=case.id,
        from_status=CaseStatus.contacted,
        to_status=CaseStatus.assessed,
        now=now,
    ):
        raise case_conflict("The case changed while completing; reload it.")
    await session.refresh(case)


async def _log_override(
    session: AsyncSession,
    case: Case,
    proposal: Proposal,
    allocation: Allocation,
    *,
    worker: Worker,
) -> None:
    """An override is a worker's judgement over the rule: the access log says whose and why."""
    await record_access(
        session,
        kit,
        worker.principal,
        action="override",
        resource_type="allocation",
        resource_id=str(case.id),
        force_id=case.force_id,
        purpose=f"pathway {proposal.pathway.value} overridden to {allocation.pathway.value}",
    )


async def _publish_completed(
    session: AsyncSession,
    case: Case,
    scored: Scored,
    proposal: Proposal,
    allocation: Allocation,
    *,
    reminder_contact: SealedField | None,
    now: datetime,
) -> None:
    """assessment.completed.v1: categories and bands only, never answers or scores; contact
    details only sealed."""
    safeguarding = scored.answers.needs.safeguarding
    await publish(
        session,
        referral_id=case.referral_id,
        force_id=case.force_id,
        data=AssessmentCompleted(
            referral_id=case.referral_id,
            case_id=case.id,
            completed_at=now,
            pathway=allocation.pathway,
            proposed_pathway=proposal.pathway,
            overridden=allocation.overridden,
            main_substance=scored.main_substance,
            dependence_indicated=proposal.dependence_indicated,
            injecting=scored.answers.substance_use.any_injecting,
            safeguarding_concern=bool(scored.safeguarding_raised)
            or (safeguarding is not None and safeguarding.level is not NeedLevel.none),
            needs={
                domain: need.level
                for domain in HOLISTIC_DOMAINS
                if (need := scored.answers.needs.of(domain)) is not None
            },
            audit_band=_audit_band(scored),
            pgsi_band=PgsiBand(scored.pgsi.band) if scored.pgsi else None,
            sds_band=SdsBand(scored.sds.band) if scored.sds else None,
            preferred_language=case.preferred_language,
            interpreter_needed=case.interpreter_needed,
            easy_read=case.easy_read,
            reminder_contact=reminder_contact,
        ),
    )
