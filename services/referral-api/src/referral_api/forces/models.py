"""A force's scheme settings: the bar period, deadlines, the suggested outcome, its areas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from referral_api.db import Base
from servicekit.db import UTCDateTime


class Force(Base):
    __tablename__ = "forces"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    reference_prefix: Mapped[str] = mapped_column(String(8), unique=True)
    # None bars for ever after non-engagement
    bar_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first_contact_hours: Mapped[int] = mapped_column(Integer, default=72)
    engagement_window_days: Mapped[int] = mapped_column(Integer, default=28)
    # Home Office outcome 8 (community resolution) or 22 (diversionary activity)
    suggested_outcome_code: Mapped[int] = mapped_column(Integer, default=8)
    areas: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
