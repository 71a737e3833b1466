"""A safeguarding referral and its follow-ups. The concern and notes are encrypted at rest."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from assessment_api.db import Base
from contracts.vocabulary import SafeguardingCategory
from servicekit.crypto import Encrypted
from servicekit.db import GUID, StringEnum, UTCDateTime


class SafeguardingStatus(StrEnum):
    open = "open"
    closed = "closed"


class SafeguardingReferral(Base):
    __tablename__ = "safeguarding_referrals"
    __table_args__ = (
        Index("ix_safeguarding_referrals_open", "force_id", "status", "raised_at", "id"),
        Index("ix_safeguarding_referrals_case", "case_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("cases.id"))
    force_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[SafeguardingCategory] = mapped_column(StringEnum(SafeguardingCategory, 30))
    concern: Mapped[str] = mapped_column(Encrypted())
    referred_to: Mapped[str] = mapped_column(Encrypted())
    urgent: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[SafeguardingStatus] = mapped_column(StringEnum(SafeguardingStatus, 10))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    raised_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class SafeguardingFollowUp(Base):
    __tablename__ = "safeguarding_follow_ups"
    __table_args__ = (Index("ix_safeguarding_follow_ups_referral", "referral_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("safeguarding_referrals.id"))
    note: Mapped[str] = mapped_column(Encrypted())
    closing: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by: Mapped[str] = mapped_column(String(200))
