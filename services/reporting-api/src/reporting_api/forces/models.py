"""A force's reporting settings: the figures its reports are made with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reporting_api.db import Base
from servicekit.db import UTCDateTime

# A force without a settings row reports with these (the README lists them).
DEFAULT_MINUTES_PER_ARREST = 255  # 4 h 15 min of officer time per arrest avoided
DEFAULT_SUPPRESSION_THRESHOLD = 5  # counts of 1 to 4 are shown as "<5"


class ForceSettings(Base):
    __tablename__ = "force_settings"

    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    minutes_per_arrest: Mapped[int] = mapped_column(
        Integer, comment="Officer time an arrest takes, which each referral saves."
    )
    suppression_threshold: Mapped[int] = mapped_column(
        Integer, comment="Counts from 1 to one below this are suppressed in every report."
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class ReportingRules:
    force_id: str
    minutes_per_arrest: int = DEFAULT_MINUTES_PER_ARREST
    suppression_threshold: int = DEFAULT_SUPPRESSION_THRESHOLD


async def rules_of(session: AsyncSession, force_id: str) -> ReportingRules:
    """The force's settings, or the defaults where it has none."""
    row = await session.scalar(select(ForceSettings).where(ForceSettings.force_id == force_id))
    if row is None:
        return ReportingRules(force_id)
    return ReportingRules(force_id, row.minutes_per_arrest, row.suppression_threshold)
