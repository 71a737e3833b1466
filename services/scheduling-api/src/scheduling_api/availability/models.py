"""Published availability: a window of time a facilitator offers for one-to-ones, and the
appointments (sessions of the force's one-to-one course, one seat each) it was cut into.

The appointments are ordinary sessions, so the booking rule, the never-overbook UPDATE and
attendance apply to them unchanged; `appointments` only remembers which window each came from,
so the window can show what is booked and withdraw what is not.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from scheduling_api.db import Base
from scheduling_api.sessions.models import DeliveryMode
from servicekit.db import GUID, StringEnum, UTCDateTime


class AvailabilityWindow(Base):
    __tablename__ = "availability_windows"
    __table_args__ = (
        Index("ix_availability_facilitator", "force_id", "facilitator_id", "starts_at", "id"),
        Index("ix_availability_force", "force_id", "starts_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    force_id: Mapped[str] = mapped_column(String(64))
    course_type_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("course_types.id"))
    facilitator_id: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    appointment_minutes: Mapped[int] = mapped_column(Integer)
    delivery_mode: Mapped[DeliveryMode] = mapped_column(StringEnum(DeliveryMode, 10))
    join_link: Mapped[str | None] = mapped_column(String(500))
    venue: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(
        String(35), comment="BCP 47 tag when the appointments are in one language; null: any."
    )
    interpreter_available: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), comment="When its unbooked appointments were withdrawn; null: offered."
    )


class Appointment(Base):
    """One session cut from a window."""

    __tablename__ = "appointments"

    session_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("sessions.id"), primary_key=True
    )
    availability_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("availability_windows.id"), index=True
    )
