"""The bar (the "intelligence log"): who may not be offered diversion again, until when; and
the outcome feed's entries, one per closed referral."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from contracts.vocabulary import ReferralOutcome
from referral_api.db import Base
from servicekit.db import GUID, StringEnum, UTCDateTime


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


class OutcomeEntry(Base):
    """A closed referral as the force's systems read it in the outcome feed: no personal data.

    Written by `close` without a `position`; the sequencer (`outcomes/sequencer.py`) numbers
    committed entries one after another, and the feed shows only numbered ones, so a position
    handed out in a cursor is never followed by an entry with a lower one.
    """

    __tablename__ = "outcome_entries"
    __table_args__ = (
        Index("ix_outcome_entries_force_position", "force_id", "position"),
        Index("ix_outcome_entries_unpositioned", "position", "recorded_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True, default=uuid.uuid4)
    # None until the sequencer numbers it; unique, so two sequencers can never share one
    position: Mapped[int | None] = mapped_column(BigInteger, nullable=True, unique=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("referrals.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(32))
    force_id: Mapped[str] = mapped_column(ForeignKey("forces.id"))
    outcome: Mapped[ReferralOutcome] = mapped_column(StringEnum(ReferralOutcome, 20))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    suggested_outcome_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bar_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    barred_indefinitely: Mapped[bool] = mapped_column(Boolean, default=False)
    # when the closing transaction ran: the order the sequencer numbers in
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
