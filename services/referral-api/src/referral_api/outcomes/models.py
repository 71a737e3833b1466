"""The bar (the "intelligence log"): who may not be offered diversion again, until when."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from referral_api.db import Base
from servicekit.db import GUID, UTCDateTime


class Bar(Base):
    __tablename__ = "bars"
    __table_args__ = (Index("ix_bars_force_person", "force_id", "person_key"),)

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True, default=uuid.uuid4)
    force_id: Mapped[str] = mapped_column(ForeignKey("forces.id"))
    person_key: Mapped[str] = mapped_column(String(64))
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("referrals.id"), unique=True)
    barred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # None: barred for ever (a force's choice)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
