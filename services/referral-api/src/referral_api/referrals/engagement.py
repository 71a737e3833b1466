"""A referral's engagement, kept current from the drug service's events.

The provider reports each step (contacted, assessed, booked) and the end (the intervention
completed, or the person did not engage). Each step is kept once with the time it happened, and
the status is the furthest step reached by rank, so the same events applied in any order, any
number of times, end in the same state. The end closes the referral through
`outcomes.service.close` (once: completion leaves the person free, non-engagement records the
bar) and is final: a step dated after it changes nothing, and a late step dated before it only
fills in the timeline, never reopens the referral.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import ReferralOutcome, ReferralStatus
from referral_api.forces.models import Force
from referral_api.outcomes import service as outcome_service
from referral_api.referrals import repository
from referral_api.referrals.models import Referral, ReferralStep
from servicekit.inbox import PermanentFailure

log = logging.getLogger(__name__)

# The steps before the end, in the order a person takes them.
PROGRESS = (
    ReferralStatus.submitted,
    ReferralStatus.contacted,
    ReferralStatus.assessed,
    ReferralStatus.booked,
)
RANK = {status: rank for rank, status in enumerate(PROGRESS)}


@dataclass(frozen=True)
class Step:
    """One step of the timeline the police see."""

    status: ReferralStatus
    at: datetime


async def _referral(
    session: AsyncSession, *, referral_id: uuid.UUID, force_id: str | None
) -> Referral | None:
    """The referral, locked until the transaction ends (two instances applying two events of
    one referral at once would otherwise both close it); None for one this service never had."""
    referral = await repository.lock(session=session, referral_id=referral_id)
    if referral is None:
        # every referral the drug service works on was made here; one that is not here was
        # deleted under the force's retention rule, and nothing is left to keep current
        log.warning("referral %s is not here: its event changes nothing", referral_id)
        return None
    if force_id is not None and force_id != referral.force_id:
        raise PermanentFailure(
            f"event for referral {referral_id} names force {force_id!r}, "
            f"the referral is {referral.force_id!r}'s"
        )
    return referral


async def reach(
    *,
    session: AsyncSession,
    referral_id: uuid.UUID,
    force_id: str | None,
    step: ReferralStatus,
    at: datetime,
) -> Referral | None:
    """The person reached `step` at `at`: kept once (the earliest time), the status moved on
    if it is the furthest step and the referral is open."""
    if step not in RANK:
        raise ValueError(f"{step} is an end, not a step")
    referral = await _referral(session, referral_id=referral_id, force_id=force_id)
    if referral is None:
        return None
    if referral.closed_at is not None and at > referral.closed_at:
        return referral  # after the end (a booking made as the person was closed): nothing
    kept = await repository.step_of(session=session, referral_id=referral_id, status=step)
    if kept is None:
        session.add(ReferralStep(referral_id=referral_id, status=step, at=at))
    elif at < kept.at:
        kept.at = at
    if not outcome_service.is_closed(referral) and RANK[step] > RANK[referral.status]:
        referral.status = step
    await session.flush()
    return referral


async def end(
    *,
    session: AsyncSession,
    referral_id: uuid.UUID,
    force_id: str | None,
    outcome: ReferralOutcome,
    at: datetime,
) -> Referral | None:
    """The intervention ended as `outcome` at `at`: the referral closes, unless it already has
    (the first end wins; a withdrawal before it stands)."""
    referral = await _referral(session, referral_id=referral_id, force_id=force_id)
    if referral is None:
        return None
    force = await session.get(Force, referral.force_id)
    if force is None:  # the foreign key makes this impossible short of a broken database
        raise PermanentFailure(f"force {referral.force_id!r} of referral {referral_id} is gone")
    await outcome_service.close(
        session=session, referral=referral, force=force, outcome=outcome, at=at
    )
    return referral


def timeline(referral: Referral, steps: list[ReferralStep]) -> list[Step]:
    """Each step reached with its time, in step order: referred, the provider's steps up to the
    end, then the end itself."""
    ended = referral.closed_at
    kept = sorted(
        (s for s in steps if ended is None or s.at <= ended), key=lambda s: RANK[s.status]
    )
    return [
        Step(ReferralStatus.submitted, referral.submitted_at),
        *(Step(ReferralStatus(s.status), s.at) for s in kept),
        *([Step(ReferralStatus(referral.status), ended)] if ended is not None else []),
    ]
