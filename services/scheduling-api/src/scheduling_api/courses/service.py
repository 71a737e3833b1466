"""A force's courses and its scheduling rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import Pathway
from scheduling_api.courses.models import (
    DEFAULT_ENGAGEMENT_DAYS,
    DEFAULT_LEAD_TIME_HOURS,
    DEFAULT_REBOOKING_LIMIT,
    DEFAULT_TARGET_WAIT_DAYS,
    CourseType,
    ForceSettings,
)


@dataclass(frozen=True)
class Rules:
    """How one force schedules its people."""

    lead_time: timedelta
    rebooking_limit: int
    engagement_window: timedelta
    target_wait_days: int


DEFAULT_RULES = Rules(
    lead_time=timedelta(hours=DEFAULT_LEAD_TIME_HOURS),
    rebooking_limit=DEFAULT_REBOOKING_LIMIT,
    engagement_window=timedelta(days=DEFAULT_ENGAGEMENT_DAYS),
    target_wait_days=DEFAULT_TARGET_WAIT_DAYS,
)


async def rules_of(session: AsyncSession, force_id: str) -> Rules:
    """The force's rules: its settings row, or the defaults when it has none."""
    row = await session.get(ForceSettings, force_id)
    if row is None:
        return DEFAULT_RULES
    return Rules(
        lead_time=timedelta(hours=row.lead_time_hours),
        rebooking_limit=row.rebooking_limit,
        engagement_window=timedelta(days=row.engagement_days),
        target_wait_days=row.target_wait_days,
    )


async def course_of(session: AsyncSession, force_id: str, pathway: Pathway) -> CourseType | None:
    found: CourseType | None = await session.scalar(
        select(CourseType).where(CourseType.force_id == force_id, CourseType.pathway == pathway)
    )
    return found
