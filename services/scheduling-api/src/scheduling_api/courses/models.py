"""The courses a force runs (one per pathway) and the force's scheduling rules."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from contracts.vocabulary import Pathway
from scheduling_api.db import Base
from servicekit.db import GUID, StringEnum, UTCDateTime

# A force without a settings row schedules by these (the README lists them).
DEFAULT_LEAD_TIME_HOURS = 48
DEFAULT_REBOOKING_LIMIT = 2
DEFAULT_ENGAGEMENT_DAYS = 56
DEFAULT_TARGET_WAIT_DAYS = 14


class CourseType(Base):
    """A course of one pathway, as one force runs it."""

    __tablename__ = "course_types"
    __table_args__ = (UniqueConstraint("force_id", "pathway"),)

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    force_id: Mapped[str] = mapped_column(String(64))
    pathway: Mapped[Pathway] = mapped_column(StringEnum(Pathway, 30))
    name: Mapped[str] = mapped_column(String(120))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ForceSettings(Base):
    """How one force schedules: the rules every booking of its people follows."""

    __tablename__ = "force_settings"

    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lead_time_hours: Mapped[int] = mapped_column(
        Integer, comment="The earliest session starts at least this long after the assessment."
    )
    rebooking_limit: Mapped[int] = mapped_column(
        Integer, comment="How often a worker may move one person to another session."
    )
    engagement_days: Mapped[int] = mapped_column(
        Integer, comment="Days after the assessment within which a missed session is re-offered."
    )
    target_wait_days: Mapped[int] = mapped_column(
        Integer,
        server_default=text(str(DEFAULT_TARGET_WAIT_DAYS)),
        comment="The longest anyone should wait for a seat; the capacity planner proposes "
        "sessions to keep the wait under it.",
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
