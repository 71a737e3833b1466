"""The drug service's events this service consumes, through the kit's idempotent consumer.

From assessment-api: the first contact, the completed assessment, and non-engagement before
booking; from scheduling-api: the booking, the completed intervention, and non-engagement with
the sessions. Each moves the referral's engagement on (`engagement.py`). `session.attended.v1`
and `session.missed.v1` are not consumed: the police see engagement, not attendance session by
session, and attending the allocated session is announced as `intervention.completed.v1`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.v1 import (
    AssessmentCompletedEvent,
    CaseContactedEvent,
    CaseNotEngagedEvent,
    InterventionCompletedEvent,
    InterventionNotEngagedEvent,
    SessionBookedEvent,
)
from contracts.vocabulary import ReferralOutcome, ReferralStatus
from referral_api.referrals import engagement
from servicekit.inbox import Handler, Subscription

DURABLE = "referral-api"


async def case_contacted(session: AsyncSession, event: Any) -> None:
    assert isinstance(event, CaseContactedEvent)
    await engagement.reach(
        session=session,
        referral_id=event.data.referral_id,
        force_id=event.forceid,
        step=ReferralStatus.contacted,
        at=event.data.contacted_at,
    )


async def assessment_completed(session: AsyncSession, event: Any) -> None:
    assert isinstance(event, AssessmentCompletedEvent)
    await engagement.reach(
        session=session,
        referral_id=event.data.referral_id,
        force_id=event.forceid,
        step=ReferralStatus.assessed,
        at=event.data.completed_at,
    )


async def session_booked(session: AsyncSession, event: Any) -> None:
    assert isinstance(event, SessionBookedEvent)
    # when the booking was made, not when the session starts
    await engagement.reach(
        session=session,
        referral_id=event.data.referral_id,
        force_id=event.forceid,
        step=ReferralStatus.booked,
        at=event.time,
    )


async def case_not_engaged(session: AsyncSession, event: Any) -> None:
    assert isinstance(event, CaseNotEngagedEvent)
    await engagement.end(
        session=session,
        referral_id=event.data.referral_id,
        force_id=event.forceid,
        outcome=ReferralOutcome.not_engaged,
        at=event.data.at,
    )


async def intervention_completed(session: AsyncSession, event: Any) -> None:
    assert isinstance(event, InterventionCompletedEvent)
    await engagement.end(
        session=session,
        referral_id=event.data.referral_id,
        force_id=event.forceid,
        outcome=ReferralOutcome.completed,
        at=event.data.completed_at,
    )


async def intervention_not_engaged(session: AsyncSession, event: Any) -> None:
    assert isinstance(event, InterventionNotEngagedEvent)
    await engagement.end(
        session=session,
        referral_id=event.data.referral_id,
        force_id=event.forceid,
        outcome=ReferralOutcome.not_engaged,
        at=event.data.at,
    )


ASSESSMENT: dict[str, Handler] = {
    "case.contacted.v1": case_contacted,
    "assessment.completed.v1": assessment_completed,
    "case.not_engaged.v1": case_not_engaged,
}
SCHEDULING: dict[str, Handler] = {
    "session.booked.v1": session_booked,
    "intervention.completed.v1": intervention_completed,
    "intervention.not_engaged.v1": intervention_not_engaged,
}


def subscriptions() -> list[Subscription]:
    return [
        Subscription(stream="ASSESSMENT", durable=DURABLE, handlers=ASSESSMENT),
        Subscription(stream="SCHEDULING", durable=DURABLE, handlers=SCHEDULING),
    ]
