"""Raising safeguarding referrals, following them up, and closing them with a note."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.cases import repository as case_repository
from assessment_api.cases.models import Case, CaseStatus
from assessment_api.events import publish
from assessment_api.exceptions import case_conflict
from assessment_api.safeguarding import repository
from assessment_api.safeguarding.models import (
    SafeguardingFollowUp,
    SafeguardingReferral,
    SafeguardingStatus,
)
from assessment_api.safeguarding.schemas import SafeguardingReferralIn, SafeguardingUpdateIn
from contracts.events.v1 import SafeguardingRaised


async def raise_referral(
    *,
    session: AsyncSession,
    case: Case,
    payload: SafeguardingReferralIn,
    raised_by: str,
    now: datetime | None = None,
) -> SafeguardingReferral:
    """Record the referral (open until followed up and closed) and stage its event."""
    now = now or datetime.now(UTC)
    if case.status == CaseStatus.withdrawn:
        raise case_conflict(
            "The police withdrew this referral; raise the concern outside this case."
        )
    await case_repository.touch(session=session, case_id=case.id, now=now)
    referral = SafeguardingReferral(
        id=uuid.uuid4(),
        case_id=case.id,
        force_id=case.force_id,
        category=payload.category,
        concern=payload.concern,
        referred_to=payload.referred_to,
        urgent=payload.urgent,
        status=SafeguardingStatus.open,
        raised_at=now,
        raised_by=raised_by,
    )
    session.add(referral)
    await session.flush()
    await publish(
        session,
        referral_id=case.referral_id,
        force_id=case.force_id,
        data=SafeguardingRaised(
            referral_id=case.referral_id,
            safeguarding_referral_id=referral.id,
            category=payload.category,
            raised_at=now,
        ),
    )
    return referral


async def follow_up(
    *,
    session: AsyncSession,
    referral: SafeguardingReferral,
    payload: SafeguardingUpdateIn,
    by: str,
    now: datetime | None = None,
) -> SafeguardingReferral:
    """Record a follow-up; with status closed, close the referral with that note."""
    now = now or datetime.now(UTC)
    closing = payload.status is SafeguardingStatus.closed
    if not await repository.claim_open(
        session=session, referral_id=referral.id, close=closing, now=now, by=by
    ):
        raise case_conflict(
            "This safeguarding referral is closed; raise a new one for a new concern.",
            slug="safeguarding-closed",
        )
    session.add(
        SafeguardingFollowUp(
            id=uuid.uuid4(),
            referral_id=referral.id,
            note=payload.note,
            closing=closing,
            at=now,
            by=by,
        )
    )
    await session.flush()
    await session.refresh(referral)
    return referral
