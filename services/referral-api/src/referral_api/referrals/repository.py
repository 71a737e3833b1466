"""Queries for referrals, always scoped to what the caller may see."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import ReferralStatus
from referral_api.referrals.models import Referral, ReferralStep
from servicekit.auth import Principal, Role
from servicekit.paging import Found, paginate


def visible_to(principal: Principal) -> Select[Referral]:
    """Referrals the caller may see: officers their own, others their forces'."""
    query = select(Referral).where(Referral.force_id.in_(sorted(principal.forces)))
    if principal.role is Role.officer:
        query = query.where(Referral.officer_subject == principal.subject)
    return query


async def get_visible(
    *,
    session: AsyncSession,
    principal: Principal,
    referral_id: uuid.UUID,
    for_update: bool = False,
) -> Referral | None:
    """The referral if it exists and the caller may see it; `for_update` locks its row until
    the transaction ends (on PostgreSQL; SQLite runs one writer at a time anyway)."""
    query = visible_to(principal).where(Referral.id == referral_id)
    if for_update:
        query = query.with_for_update()
    referral: Referral | None = await session.scalar(query)
    return referral


async def lock(*, session: AsyncSession, referral_id: uuid.UUID) -> Referral | None:
    """The referral, its row locked until the transaction ends: one change to it at a time."""
    referral: Referral | None = await session.scalar(
        select(Referral).where(Referral.id == referral_id).with_for_update()
    )
    return referral


async def step_of(
    *, session: AsyncSession, referral_id: uuid.UUID, status: ReferralStatus
) -> ReferralStep | None:
    step: ReferralStep | None = await session.get(ReferralStep, (referral_id, status))
    return step


async def steps_of(
    *, session: AsyncSession, referral_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ReferralStep]]:
    """The steps kept for each referral (an empty list for one with none yet), in one query."""
    found: dict[uuid.UUID, list[ReferralStep]] = {id_: [] for id_ in referral_ids}
    if not referral_ids:
        return found
    for step in await session.scalars(
        select(ReferralStep).where(ReferralStep.referral_id.in_(referral_ids))
    ):
        found[step.referral_id].append(step)
    return found


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
