"""The provider -> force table (configured by an administrator; seeded for the demonstration).

One provider serves a force at a time (a unique force id): a new referral goes to that provider,
and its case belongs to that provider from then on, whatever the table says later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment_api.db import Base
from servicekit.db import UTCDateTime


class ProviderForce(Base):
    """The provider commissioned to serve a force's scheme now, and since when."""

    __tablename__ = "provider_forces"
    __table_args__ = (UniqueConstraint("force_id"),)

    provider_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
