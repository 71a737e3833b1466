"""The events this service consumes, through the kit's idempotent consumer.

`assessment.completed.v1` seats the person (or puts them on the waiting list), once per
referral however often it arrives; `referral.withdrawn.v1` cancels their booking and gives the
seat on, and is recorded, so the order the two arrive in does not matter.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.v1 import AssessmentCompletedEvent, ReferralWithdrawnEvent
from scheduling_api.bookings import allocation
from servicekit.db import utcnow
from servicekit.inbox import Subscription

log = logging.getLogger(__name__)

DURABLE = "scheduling-api"


async def assessment_completed(session: AsyncSession, event: Any) -> None:
    assert isinstance(event, AssessmentCompletedEvent)
    participant = await allocation.assessment_completed(
        session, force_id=event.forceid, data=event.data, now=utcnow()
    )
    if participant is None:
        log.info("referral %s: nothing to schedule", event.data.referral_id)


async def referral_withdrawn(session: AsyncSession, event: Any) -> None:
    assert isinstance(event, ReferralWithdrawnEvent)
    await allocation.withdraw(
        session,
        referral_id=event.data.referral_id,
        withdrawn_at=event.data.withdrawn_at,
        now=utcnow(),
    )


def subscriptions() -> list[Subscription]:
    return [
        Subscription(
            stream="ASSESSMENT",
            durable=DURABLE,
            handlers={"assessment.completed.v1": assessment_completed},
        ),
        Subscription(
            stream="REFERRAL",
            durable=DURABLE,
            handlers={"referral.withdrawn.v1": referral_withdrawn},
        ),
    ]
