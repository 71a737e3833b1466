"""A force's reporting settings: the figures its reports are made with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, Integer, String, select
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


class ForceUpload(Base):
    """One of the tables a force uploads: where it came from and when; its rows beside it."""

    __tablename__ = "force_uploads"

    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(32), primary_key=True, comment="population, baseline or possession_offences."
    )
    source: Mapped[str | None] = mapped_column(
        String(200), comment="Where the figures came from, as the force named it."
    )
    period_start: Mapped[date | None] = mapped_column(
        Date, comment="baseline: the first day of the period before the scheme."
    )
    period_end: Mapped[date | None] = mapped_column(
        Date, comment="baseline: the last day of that period, included."
    )
    rows: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PopulationRow(Base):
    """The force's residents of one 2021 census ethnic group (code)."""

    __tablename__ = "population_rows"

    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ethnic_group: Mapped[str] = mapped_column(String(8), primary_key=True)
    residents: Mapped[int] = mapped_column(Integer)


class BaselineRow(Base):
    """Formal outcomes for possession of one ethnic group in the period before the scheme."""

    __tablename__ = "baseline_rows"

    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ethnic_group: Mapped[str] = mapped_column(
        String(16), primary_key=True, comment="A census group (White...) or code (W1...)."
    )
    possession_offences: Mapped[int] = mapped_column(Integer)
    charges: Mapped[int] = mapped_column(Integer)
    cautions: Mapped[int] = mapped_column(Integer)


class PossessionOffenceRow(Base):
    """Recorded possession offences of one month, area and ethnic group."""

    __tablename__ = "possession_offence_rows"

    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True, comment="YYYY-MM.")
    area: Mapped[str] = mapped_column(String(64), primary_key=True)
    ethnic_group: Mapped[str] = mapped_column(
        String(16), primary_key=True, comment="A census group or code; empty: not recorded."
    )
    offences: Mapped[int] = mapped_column(Integer)
