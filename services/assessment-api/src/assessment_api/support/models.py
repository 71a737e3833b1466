"""A referral of the person to a service in the directory."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from assessment_api.db import Base
from contracts.vocabulary import NeedDomain
from servicekit.crypto import Encrypted
from servicekit.db import GUID, StringEnum, UTCDateTime


class SupportReferral(Base):
    __tablename__ = "support_referrals"
    __table_args__ = (
        ForeignKeyConstraint(
            ["service_force_id", "service_id"],
            ["directory_services.force_id", "directory_services.id"],
            name="fk_support_referrals_service",
        ),
        Index("ix_support_referrals_case", "case_id", "referred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("cases.id"))
    service_force_id: Mapped[str] = mapped_column(String(64))
    service_id: Mapped[str] = mapped_column(String(100))
    need: Mapped[NeedDomain] = mapped_column(StringEnum(NeedDomain, 40))
    note: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    referred_by: Mapped[str] = mapped_column(String(200))
