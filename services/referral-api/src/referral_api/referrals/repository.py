"""Queries for referrals, always scoped to what the caller may see."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import ReferralStatus
from referral_api.referrals.models import Referral
from servicekit.auth import Principal, Role
from servicekit.paging import Found, paginate


def visible_to(principal: Principal) -> Select[Referral]:
    """Referrals the caller may see: officers their own, others their forces'."""
    query = select(Referral).where(Referral.force_id.in_(sorted(principal.forces)))
    if principal.role is Role.officer:
        query = query.where(Referral.officer_subject == principal.subject)
    return query


async def get_visible(
    *, session: AsyncSession, principal: Principal, referral_id: uuid.UUID
) -> Referral | None:
    """The referral if it exists and the caller may see it."""
    referral: Referral | None = await session.scalar(
        visible_to(principal).where(Referral.id == referral_id)
    )
    return referral


async def list_visible(
    *,
    session: AsyncSession,
    principal: Principal,
    statuses: list[ReferralStatus],
    submitted_from: datetime | None,
    submitted_before: datetime | None,
    cursor: str | None,
    limit: int,
) -> Found[Referral]:
    """Newest first, keyset-paginated on (submitted_at, id)."""
    query = visible_to(principal)
    if statuses:
        query = query.where(Referral.status.in_(statuses))
    if submitted_from is not None:
        query = query.where(Referral.submitted_at >= submitted_from)
    if submitted_before is not None:
        query = query.where(Referral.submitted_at < submitted_before)
    order = (Referral.submitted_at, Referral.id)
    return await paginate(session, query, order=order, cursor=cursor, limit=limit, descending=True)
