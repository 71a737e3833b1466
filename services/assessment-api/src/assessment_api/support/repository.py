"""Queries for support referrals."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.directory.models import DirectoryService
from assessment_api.support.models import SupportReferral


async def for_case(
    *, session: AsyncSession, case_id: uuid.UUID
) -> list[tuple[SupportReferral, str]]:
    """The case's support referrals with the name of each service."""
    rows = await session.execute(
        select(SupportReferral, DirectoryService.name)
        .join(
            DirectoryService,
            (DirectoryService.force_id == SupportReferral.service_force_id)
            & (DirectoryService.id == SupportReferral.service_id),
        )
        .where(SupportReferral.case_id == case_id)
        .order_by(SupportReferral.referred_at, SupportReferral.id)
    )
    return [(referral, name) for referral, name in rows]
