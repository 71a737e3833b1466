"""Referring the person to a service in the directory: support.referred.v1."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.cases import repository as case_repository
from assessment_api.cases.models import Case, CaseStatus
from assessment_api.directory import repository as directory_repository
from assessment_api.events import publish
from assessment_api.exceptions import case_conflict, invalid_field
from assessment_api.support.models import SupportReferral
from assessment_api.support.schemas import SupportReferralIn
from contracts.events.v1 import SupportReferred

REFERRABLE = (CaseStatus.contacted, CaseStatus.assessed)


async def refer(
    *,
    session: AsyncSession,
    case: Case,
    payload: SupportReferralIn,
    referred_by: str,
    now: datetime | None = None,
) -> tuple[SupportReferral, str]:
    """Record the referral and stage its event; returns it with the service's name."""
    now = now or datetime.now(UTC)
    if CaseStatus(case.status) not in REFERRABLE:
        raise case_conflict(
            f"This case is {case.status.replace('_', ' ')}: support referrals are made once the "
            "person has been reached."
        )
    service = await directory_repository.get(
        session=session, force_id=case.force_id, service_id=payload.service_id
    )
    if service is None or not service.active:
        raise invalid_field(
            "service_id", "is not a current service in the directory for this case's area"
        )
    if not await directory_repository.meets(
        session=session,
        force_id=case.force_id,
        service_id=service.id,
        need=payload.need_domain,
    ):
        raise invalid_field(
            "need_domain",
            f"{service.name} is not listed for {payload.need_domain.value.replace('_', ' ')}",
        )
    await case_repository.touch(session=session, case_id=case.id, now=now)
    referral = SupportReferral(
        id=uuid.uuid4(),
        case_id=case.id,
        service_force_id=service.force_id,
        service_id=service.id,
        need=payload.need_domain,
        note=payload.note,
        referred_at=now,
        referred_by=referred_by,
    )
    session.add(referral)
    await session.flush()
    await publish(
        session,
        referral_id=case.referral_id,
        force_id=case.force_id,
        data=SupportReferred(
            referral_id=case.referral_id,
            support_referral_id=referral.id,
            need_domain=payload.need_domain,
            service_id=service.id,
            referred_at=now,
        ),
    )
    return referral, service.name
