"""Staging this service's events in the outbox, in the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import EventData, new_event
from scheduling_api.db import kit
from servicekit.outbox import add_event

SOURCE = "/scheduling-api"


async def publish(
    session: AsyncSession, *, referral_id: uuid.UUID, force_id: str, data: EventData
) -> None:
    """Stage `data` about a referral's sessions (subject: the referral id; `forceid`: its force)."""
    await add_event(
        session,
        kit,
        new_event(data, source=SOURCE, subject=str(referral_id), forceid=force_id),
    )
