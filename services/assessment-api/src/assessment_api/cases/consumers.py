"""The referral events this service consumes, through the kit's idempotent consumer.

`referral.submitted.v1` opens a case (once per referral, however often the event arrives);
`referral.withdrawn.v1` closes it if open or assessed, and is recorded so that the order the two
arrive in does not matter.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.cases import service
from assessment_api.cases.models import CaseStatus
from assessment_api.config import Settings
from contracts.events.v1 import ReferralSubmittedEvent, ReferralWithdrawnEvent
from servicekit.inbox import Subscription

log = logging.getLogger(__name__)

STREAM = "REFERRAL"
DURABLE = "assessment-api"


class ReferralHandlers:
    """Handlers holding the keys that open sealed contact details."""

    def __init__(self, settings: Settings) -> None:
        self._private_keys = settings.private_keys()

    async def submitted(self, session: AsyncSession, event: Any) -> None:
        assert isinstance(event, ReferralSubmittedEvent)
        case = await service.open_case(
            session=session, data=event.data, private_keys=self._private_keys
        )
        if case is None:
            log.info("referral %s already has a case", event.data.referral_id)

    async def withdrawn(self, session: AsyncSession, event: Any) -> None:
        assert isinstance(event, ReferralWithdrawnEvent)
        case = await service.withdraw(session=session, data=event.data)
        if case is None:
            log.info(
                "referral %s withdrawn before its submission was applied: its case will open "
                "withdrawn",
                event.data.referral_id,
            )
        elif case.status != CaseStatus.withdrawn:
            log.info(
                "referral %s withdrawn after its case ended as %s: the case keeps that outcome",
                event.data.referral_id,
                case.status,
            )

    def subscription(self) -> Subscription:
        return Subscription(
            stream=STREAM,
            durable=DURABLE,
            handlers={
                "referral.submitted.v1": self.submitted,
                "referral.withdrawn.v1": self.withdrawn,
            },
        )
