"""Queries for cases and contact attempts. What a worker reads is always scoped to their provider
and the forces their token names (`Scope`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CursorResult,
    Select,
    and_,
    func,
    literal,
    not_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.cases.models import (
    OPEN_STATUSES,
    WITHDRAWABLE_STATUSES,
    Case,
    CaseStatus,
    ContactAttempt,
    ReferralWithdrawal,
)
from servicekit.paging import Found, paginate


@dataclass(frozen=True)
class Scope:
    """The cases a worker may see and work: their provider's, in the forces their token names."""

    provider_id: str
    forces: frozenset[str]

    def where(self) -> ColumnElement[bool]:
        return and_(Case.provider_id == self.provider_id, Case.force_id.in_(sorted(self.forces)))


def visible(scope: Scope) -> Select[Case]:
    return select(Case).where(scope.where())


async def get_visible(*, session: AsyncSession, scope: Scope, case_id: uuid.UUID) -> Case | None:
    """The case if it exists and is in the caller's scope; None alike for missing and not theirs."""
    case: Case | None = await session.scalar(visible(scope).where(Case.id == case_id))
    return case


async def forces_with_open_cases(*, session: AsyncSession, provider_id: str) -> frozenset[str]:
    """The forces in which the provider still has open cases (a force it served until a move)."""
    rows = await session.scalars(
        select(Case.force_id)
        .where(
            Case.provider_id == provider_id,
            Case.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .distinct()
    )
    return frozenset(rows.all())


async def get_by_referral(*, session: AsyncSession, referral_id: uuid.UUID) -> Case | None:
    case: Case | None = await session.scalar(select(Case).where(Case.referral_id == referral_id))
    return case


async def lock_referral(*, session: AsyncSession, referral_id: uuid.UUID) -> None:
    """Hold the referral's lock until this transaction ends.

    A submission and a withdrawal of one referral applied at once on two instances would each
    miss the other's uncommitted row (the case, the withdrawal); with the lock the second waits
    for the first to commit and then sees it. On PostgreSQL a transaction-scoped advisory lock;
    SQLite needs none, as a service's one connection runs one transaction at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(referral_id.bytes[:8], "big", signed=True)
        await session.execute(select(func.pg_advisory_xact_lock(literal(key, BigInteger))))


async def withdrawal_of(
    *, session: AsyncSession, referral_id: uuid.UUID
) -> ReferralWithdrawal | None:
    withdrawal: ReferralWithdrawal | None = await session.get(ReferralWithdrawal, referral_id)
    return withdrawal


async def withdraw_open(
    *,
    session: AsyncSession,
    referral_id: uuid.UUID,
    reason: str,
    withdrawn_at: datetime,
    now: datetime,
) -> bool:
    """Close the referral's case as withdrawn if it is open or assessed; False when there is
    none such.

    Conditional like the sweep's, so a case the sweep closes first as not engaged keeps that
    outcome.
    """
    result = await session.execute(
        update(Case)
        .where(
            Case.referral_id == referral_id,
            Case.status.in_([s.value for s in WITHDRAWABLE_STATUSES]),
        )
        .values(
            status=CaseStatus.withdrawn,
            withdrawal_reason=reason,
            closed_at=withdrawn_at,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def queue(
    *,
    session: AsyncSession,
    scope: Scope,
    statuses: Sequence[CaseStatus],
    due_from: datetime | None,
    due_before: datetime | None,
    overdue: bool | None,
    now: datetime,
    cursor: str | None,
    limit: int,
) -> Found[Case]:
    """The queue: soonest (and so most overdue) deadline first, then oldest referral first.

    Keyset-paginated on (due_at, received_at, id).
    """
    query = visible(scope).where(Case.status.in_([s.value for s in statuses]))
    if due_from is not None:
        query = query.where(Case.due_at >= due_from)
    if due_before is not None:
        query = query.where(Case.due_at < due_before)
    if overdue is not None:
        # overdue: still open and past its next deadline
        late = and_(Case.status.in_([s.value for s in OPEN_STATUSES]), Case.due_at < now)
        query = query.where(late if overdue else not_(late))
    order = (Case.due_at, Case.received_at, Case.id)
    return await paginate(session, query, order=order, cursor=cursor, limit=limit)


async def attempt_counts(
    *, session: AsyncSession, case_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    if not case_ids:
        return {}
    rows = await session.execute(
        select(ContactAttempt.case_id, func.count())
        .where(ContactAttempt.case_id.in_(list(case_ids)))
        .group_by(ContactAttempt.case_id)
    )
    return {case_id: int(count) for case_id, count in rows}


async def attempts_for(*, session: AsyncSession, case_id: uuid.UUID) -> list[ContactAttempt]:
    rows = await session.scalars(
        select(ContactAttempt)
        .where(ContactAttempt.case_id == case_id)
        .order_by(ContactAttempt.attempted_at, ContactAttempt.recorded_at)
    )
    return list(rows.all())


async def count_attempts(
    *, session: AsyncSession, case_id: uuid.UUID, up_to: datetime | None = None
) -> int:
    query = select(func.count()).where(ContactAttempt.case_id == case_id)
    if up_to is not None:
        query = query.where(ContactAttempt.attempted_at <= up_to)
    return int(await session.scalar(query) or 0)


async def claim_open(*, session: AsyncSession, case_id: uuid.UUID, now: datetime) -> bool:
    """Lock an open case for a change in this transaction; False when it is no longer open.

    The conditional UPDATE takes the row's write lock first, so a concurrent sweep or change
    waits for this transaction and then sees its result.
    """
    result = await session.execute(
        update(Case)
        .where(Case.id == case_id, Case.status.in_([s.value for s in OPEN_STATUSES]))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def mark_first_contact(
    *, session: AsyncSession, case_id: uuid.UUID, at: datetime, engagement_deadline: datetime
) -> bool:
    """Record the first successful contact once; False when an earlier one is recorded."""
    result = await session.execute(
        update(Case)
        .where(
            Case.id == case_id,
            Case.first_contacted_at.is_(None),
            Case.status == CaseStatus.awaiting_contact,
        )
        .values(
            first_contacted_at=at,
            status=CaseStatus.contacted,
            due_at=engagement_deadline,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def transition(
    *,
    session: AsyncSession,
    case_id: uuid.UUID,
    from_status: CaseStatus,
    to_status: CaseStatus,
    now: datetime,
    before_deadline: datetime | None = None,
) -> bool:
    """Compare-and-set the case's status; only one of several racing writers wins.

    With `before_deadline`, the case changes only when its engagement deadline is on or before
    that moment (the not-engaged sweep).
    """
    query = update(Case).where(Case.id == case_id, Case.status == from_status)
    if before_deadline is not None:
        query = query.where(Case.engagement_deadline <= before_deadline)
    values: dict[str, object] = {"status": to_status, "updated_at": now}
    if to_status not in OPEN_STATUSES:
        values["closed_at"] = now
    result = await session.execute(
        query.values(**values).execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def past_deadline(
    *, session: AsyncSession, now: datetime, limit: int
) -> list[tuple[uuid.UUID, CaseStatus]]:
    """Open cases whose engagement window has closed, oldest deadline first."""
    rows = await session.execute(
        select(Case.id, Case.status)
        .where(Case.status.in_([s.value for s in OPEN_STATUSES]), Case.engagement_deadline <= now)
        .order_by(Case.engagement_deadline, Case.id)
        .limit(limit)
    )
    return [(case_id, CaseStatus(status)) for case_id, status in rows]


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


async def touch(*, session: AsyncSession, case_id: uuid.UUID, now: datetime) -> None:
    """Take the case row's write lock for this transaction (serialises changes to one case)."""
    await session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def references(
    *, session: AsyncSession, case_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not case_ids:
        return {}
    rows = await session.execute(select(Case.id, Case.reference).where(Case.id.in_(list(case_ids))))
    return {row[0]: row[1] for row in rows}


async def give_unassigned(
    *, session: AsyncSession, force_id: str, provider_id: str, now: datetime
) -> None:
    """Give the force's cases that opened with no provider to `provider_id`."""
    await session.execute(
        update(Case)
        .where(Case.force_id == force_id, Case.provider_id.is_(None))
        .values(provider_id=provider_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
