"""A session of a course: when, who runs it, how, and its seats.

`booked` counts the seats taken. It changes only through `sessions.seats`, by a conditional
UPDATE (`WHERE booked < capacity`), and a CHECK holds it within the capacity, so no two
bookings, in one process or several, can take the last seat twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from contracts.vocabulary import Pathway
from scheduling_api.db import Base
from servicekit.db import GUID, StringEnum, UTCDateTime


class DeliveryMode(StrEnum):
    online = "online"
    venue = "venue"


class Session(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("booked >= 0 AND booked <= capacity", name="seats"),
        Index("ix_sessions_course_start", "force_id", "pathway", "starts_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    force_id: Mapped[str] = mapped_column(String(64))
    course_type_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("course_types.id"))
    pathway: Mapped[Pathway] = mapped_column(StringEnum(Pathway, 30))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer)
    facilitator_id: Mapped[str] = mapped_column(String(128))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    delivery_mode: Mapped[DeliveryMode] = mapped_column(StringEnum(DeliveryMode, 10))
    join_link: Mapped[str | None] = mapped_column(String(500))
    venue: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(
        String(35), comment="BCP 47 tag when the session is run in one language; null: any."
    )
    interpreter_available: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
