"""Queries for safeguarding referrals. What a worker reads is scoped as their cases are: a
referral is visible only with its case (the worker's provider's, in a force their token names)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import CursorResult, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.cases.models import Case
from assessment_api.cases.repository import Scope
from assessment_api.safeguarding.models import (
    SafeguardingFollowUp,
    SafeguardingReferral,
    SafeguardingStatus,
)
from servicekit.paging import Found, paginate


async def for_case(*, session: AsyncSession, case_id: uuid.UUID) -> list[SafeguardingReferral]:
    rows = await session.scalars(
        select(SafeguardingReferral)
        .where(SafeguardingReferral.case_id == case_id)
        .order_by(SafeguardingReferral.raised_at, SafeguardingReferral.id)
    )
    return list(rows.all())


def visible(scope: Scope) -> Select[SafeguardingReferral]:
    """Referrals whose case is in the scope."""
    return (
        select(SafeguardingReferral)
        .join(Case, Case.id == SafeguardingReferral.case_id)
        .where(scope.where(), SafeguardingReferral.force_id.in_(sorted(scope.forces)))
    )


async def get_visible(
    *, session: AsyncSession, scope: Scope, referral_id: uuid.UUID
) -> SafeguardingReferral | None:
    referral: SafeguardingReferral | None = await session.scalar(
        visible(scope).where(SafeguardingReferral.id == referral_id)
    )
    return referral


async def follow_ups(
    *, session: AsyncSession, referral_id: uuid.UUID
) -> list[SafeguardingFollowUp]:
    rows = await session.scalars(
        select(SafeguardingFollowUp)
        .where(SafeguardingFollowUp.referral_id == referral_id)
        .order_by(SafeguardingFollowUp.at, SafeguardingFollowUp.id)
    )
    return list(rows.all())


async def listed(
    *,
    session: AsyncSession,
    scope: Scope,
    statuses: Collection[SafeguardingStatus],
    cursor: str | None,
    limit: int,
) -> Found[SafeguardingReferral]:
    """Oldest first, so the referral waiting longest for follow-up comes first."""
    query = visible(scope).where(SafeguardingReferral.status.in_([s.value for s in statuses]))
    order = (SafeguardingReferral.raised_at, SafeguardingReferral.id)
    return await paginate(session, query, order=order, cursor=cursor, limit=limit)


async def claim_open(
    *, session: AsyncSession, referral_id: uuid.UUID, close: bool, now: datetime, by: str
) -> bool:
    """Lock an open referral for a follow-up (closing it when asked); False when closed."""
    values: dict[str, object] = {"status": SafeguardingStatus.open}
    if close:
        values = {"status": SafeguardingStatus.closed, "closed_at": now, "closed_by": by}
    result = await session.execute(
        update(SafeguardingReferral)
        .where(
            SafeguardingReferral.id == referral_id,
            SafeguardingReferral.status == SafeguardingStatus.open,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return int(result.rowcount) == 1
