"""Queries for assessments."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.assessments.models import Assessment


async def for_case(*, session: AsyncSession, case_id: uuid.UUID) -> Assessment | None:
    assessment: Assessment | None = await session.scalar(
        select(Assessment).where(Assessment.case_id == case_id)
    )
    return assessment


async def claim_in_progress(
    *, session: AsyncSession, assessment_id: uuid.UUID, now: datetime, by: str
) -> bool:
    """Lock an in-progress assessment for completion; False when it is already completed."""
    result = await session.execute(
        update(Assessment)
        .where(Assessment.id == assessment_id, Assessment.status == "in_progress")
        .values(updated_at=now, updated_by=by)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return int(result.rowcount) == 1
