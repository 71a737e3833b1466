"""The people to seat (one per assessed referral), their bookings and the waiting lists."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from contracts.vocabulary import Pathway
from scheduling_api.db import Base
from servicekit.db import GUID, StringEnum, UTCDateTime


class ParticipantStatus(StrEnum):
    waiting = "waiting"
    booked = "booked"
    completed = "completed"
    not_engaged = "not_engaged"
    withdrawn = "withdrawn"


OPEN_STATUSES = (ParticipantStatus.waiting, ParticipantStatus.booked)


class BookingStatus(StrEnum):
    booked = "booked"
    cancelled = "cancelled"
    attended = "attended"
    missed = "missed"


class Participant(Base):
    """A person allocated to a course by their assessment, and where they are with it."""

    __tablename__ = "participants"

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), unique=True)
    force_id: Mapped[str] = mapped_column(String(64))
    pathway: Mapped[Pathway] = mapped_column(StringEnum(Pathway, 30))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    earliest_start: Mapped[datetime] = mapped_column(
        UTCDateTime(), comment="The assessment plus the force's lead time."
    )
    engagement_deadline: Mapped[datetime] = mapped_column(
        UTCDateTime(), comment="After a missed session, another is offered only before this."
    )
    preferred_language: Mapped[str] = mapped_column(String(35))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[ParticipantStatus] = mapped_column(StringEnum(ParticipantStatus, 20))
    sessions_missed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_session", "session_id", "status"),
        Index("ix_bookings_referral", "referral_id", "booked_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("participants.referral_id"))
    force_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("sessions.id"))
    status: Mapped[BookingStatus] = mapped_column(StringEnum(BookingStatus, 20))
    rebook_count: Mapped[int] = mapped_column(
        Integer, default=0, comment="Moves a worker made before this booking, for its person."
    )
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WaitingEntry(Base):
    """A person waiting for a seat on their force's course, first come first seated."""

    __tablename__ = "waiting_entries"
    __table_args__ = (Index("ix_waiting_course", "force_id", "pathway", "queued_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("participants.referral_id"), unique=True
    )
    force_id: Mapped[str] = mapped_column(String(64))
    pathway: Mapped[Pathway] = mapped_column(StringEnum(Pathway, 30))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Withdrawal(Base):
    """A referral the force withdrew, kept so an assessment arriving after it books nothing."""

    __tablename__ = "withdrawals"

    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime())
