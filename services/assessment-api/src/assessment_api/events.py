"""Staging this service's events in the outbox, in the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.db import kit
from contracts import EventData, new_event
from servicekit.outbox import add_event

SOURCE = "/assessment-api"


async def publish(
    session: AsyncSession, *, referral_id: uuid.UUID, force_id: str, data: EventData
) -> None:
    """Stage `data` about a referral's case (subject: the referral id, so a journey can be
    followed; `forceid`: the force it came from)."""
    await add_event(
        session,
        kit,
        new_event(data, source=SOURCE, subject=str(referral_id), forceid=force_id),
    )
