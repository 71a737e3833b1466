"""The events this service consumes, through the kit's idempotent consumer.

`assessment.completed.v1` seats the person (or puts them on the waiting list), once per
referral however often it arrives, and keeps the reminder contact sealed in it (opened with this
service's private key); `referral.withdrawn.v1` cancels their booking and gives the seat on, and
is recorded, so the order the two arrive in does not matter.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.v1 import AssessmentCompletedEvent, ReferralWithdrawnEvent
from scheduling_api.bookings import allocation
from scheduling_api.config import Settings
from scheduling_api.reminders.contact import open_contact
from servicekit.db import utcnow
from servicekit.inbox import Subscription

log = logging.getLogger(__name__)

DURABLE = "scheduling-api"


class SchedulingHandlers:
    """Handlers holding the key that opens the sealed reminder contact."""

    def __init__(self, settings: Settings) -> None:
        self._private_key = settings.private_key

    async def assessment_completed(self, session: AsyncSession, event: Any) -> None:
        assert isinstance(event, AssessmentCompletedEvent)
        contact = open_contact(
            event.data.reminder_contact,
            private_key=self._private_key,
            referral_id=event.data.referral_id,
        )
        participant = await allocation.assessment_completed(
            session, force_id=event.forceid, data=event.data, now=utcnow(), contact=contact
        )
        if participant is None:
            log.info("referral %s: nothing to schedule", event.data.referral_id)

    async def referral_withdrawn(self, session: AsyncSession, event: Any) -> None:
        assert isinstance(event, ReferralWithdrawnEvent)
        await allocation.withdraw(
            session,
            referral_id=event.data.referral_id,
            withdrawn_at=event.data.withdrawn_at,
            now=utcnow(),
        )

    def subscriptions(self) -> list[Subscription]:
        return [
            Subscription(
                stream="ASSESSMENT",
                durable=DURABLE,
                handlers={"assessment.completed.v1": self.assessment_completed},
            ),
            Subscription(
                stream="REFERRAL",
                durable=DURABLE,
                handlers={"referral.withdrawn.v1": self.referral_withdrawn},
            ),
        ]
