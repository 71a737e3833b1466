"""An officer known to be of a force, by the subject of their own officer token."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from referral_api.db import Base
from servicekit.db import StringEnum, UTCDateTime


class HowKnown(StrEnum):
    """Signed in: the force's identity provider vouched for them with an officer token.
    Registered: an administrator recorded them for a force system to act for."""

    signed_in = "signed_in"
    registered = "registered"


class Officer(Base):
    __tablename__ = "officers"

    force_id: Mapped[str] = mapped_column(ForeignKey("forces.id"), primary_key=True)
    officer_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    known_by: Mapped[HowKnown] = mapped_column(StringEnum(HowKnown, 20))
    known_since: Mapped[datetime] = mapped_column(UTCDateTime())
    registered_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
