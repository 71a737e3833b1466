"""The provider -> force table (configured by an administrator; seeded for the demonstration)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from assessment_api.db import Base
from servicekit.db import UTCDateTime


class ProviderForce(Base):
    """A provider commissioned to serve a force's scheme."""

    __tablename__ = "provider_forces"

    provider_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
