"""Staging this service's events in the outbox, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.cases.models import Case
from assessment_api.db import kit
from contracts import EventData, new_event
from servicekit.outbox import add_event

SOURCE = "/assessment-api"


async def publish(session: AsyncSession, case: Case, data: EventData) -> None:
    """Stage `data` about `case` (subject: its referral id, so a journey can be followed)."""
    await add_event(
        session,
        kit,
        new_event(data, source=SOURCE, subject=str(case.referral_id), forceid=case.force_id),
    )
