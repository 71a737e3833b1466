"""Stored rule sets: every version kept, one active per force."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from referral_api.db import Base
from servicekit.db import UTCDateTime


class EligibilityRuleSet(Base):
    __tablename__ = "eligibility_rule_sets"
    __table_args__ = (UniqueConstraint("force_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    force_id: Mapped[str] = mapped_column(ForeignKey("forces.id"), index=True)
    version: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
