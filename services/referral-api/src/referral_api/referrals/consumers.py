"""The drug service's events this service consumes, through the kit's idempotent consumer.

From assessment-api: the first contact, the completed assessment, and non-engagement before
booking; from scheduling-api: the booking, the completed intervention, and non-engagement with
the sessions. Each moves the referral's engagement on (`engagement.py`). `session.attended.v1`
and `session.missed.v1` are not consumed: the police see engagement, not attendance session by
session, and attending the allocated session is announced as `intervention.completed.v1`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
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


def step(kind: type[CloudEvent], reached: ReferralStatus, at: Callable[[Any], datetime]) -> Handler:
    """A handler moving the event's referral on to `reached`, at the time `at` reads from it."""

    async def handle(session: AsyncSession, event: Any) -> None:
        assert isinstance(event, kind)
        await engagement.reach(
            session=session,
            referral_id=event.data.referral_id,
            force_id=event.forceid,
            step=reached,
            at=at(event),
        )

    return handle


def ending(
    kind: type[CloudEvent], outcome: ReferralOutcome, at: Callable[[Any], datetime]
) -> Handler:
    """A handler ending the event's referral with `outcome`, at the time `at` reads from it."""

    async def handle(session: AsyncSession, event: Any) -> None:
        assert isinstance(event, kind)
        await engagement.end(
            session=session,
            referral_id=event.data.referral_id,
            force_id=event.forceid,
            outcome=outcome,
            at=at(event),
        )

    return handle


ASSESSMENT: dict[str, Handler] = {
    "case.contacted.v1": step(
        CaseContactedEvent, ReferralStatus.contacted, lambda e: e.data.contacted_at
    ),
    "assessment.completed.v1": step(
        AssessmentCompletedEvent, ReferralStatus.assessed, lambda e: e.data.completed_at
    ),
    "case.not_engaged.v1": ending(
        CaseNotEngagedEvent, ReferralOutcome.not_engaged, lambda e: e.data.at
    ),
}
SCHEDULING: dict[str, Handler] = {
    # when the booking was made, not when the session starts
    "session.booked.v1": step(SessionBookedEvent, ReferralStatus.booked, lambda e: e.time),
    "intervention.completed.v1": ending(
        InterventionCompletedEvent, ReferralOutcome.completed, lambda e: e.data.completed_at
    ),
    "intervention.not_engaged.v1": ending(
        InterventionNotEngagedEvent, ReferralOutcome.not_engaged, lambda e: e.data.at
    ),
}


def subscriptions() -> list[Subscription]:
    return [
        Subscription(stream="ASSESSMENT", durable=DURABLE, handlers=ASSESSMENT),
        Subscription(stream="SCHEDULING", durable=DURABLE, handlers=SCHEDULING),
    ]
