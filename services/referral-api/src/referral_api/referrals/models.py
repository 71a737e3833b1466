"""A referral. Personal and special-category fields are encrypted at rest."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from contracts.vocabulary import (
    EncounterOrigin,
    ReferralOutcome,
    ReferralStatus,
    Substance,
    WithdrawalReason,
)
from referral_api.db import Base
from servicekit.auth import Role
from servicekit.crypto import Encrypted
from servicekit.db import GUID, StringEnum, UTCDateTime


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_force_submitted", "force_id", "submitted_at", "id"),
        Index("ix_referrals_officer_submitted", "force_id", "officer_subject", "submitted_at"),
        Index("ix_referrals_person", "force_id", "person_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    force_id: Mapped[str] = mapped_column(ForeignKey("forces.id"))
    officer_subject: Mapped[str] = mapped_column(String(200))
    officer_key: Mapped[str] = mapped_column(String(64))
    submitted_by_role: Mapped[Role] = mapped_column(StringEnum(Role, 20))
    # who acted, when a force system referred for the officer above: its registration
    integration_client_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("integration_clients.id"), nullable=True
    )
    status: Mapped[ReferralStatus] = mapped_column(StringEnum(ReferralStatus, 20))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[ReferralOutcome | None] = mapped_column(
        StringEnum(ReferralOutcome, 20), nullable=True
    )
    withdrawal_reason: Mapped[WithdrawalReason | None] = mapped_column(
        StringEnum(WithdrawalReason, 40), nullable=True
    )
    withdrawal_note: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)

    # the person (encrypted: name, birth date, contact, gender, ethnicity)
    person_key: Mapped[str] = mapped_column(String(64))
    given_name: Mapped[str] = mapped_column(Encrypted())
    family_name: Mapped[str] = mapped_column(Encrypted())
    date_of_birth: Mapped[str] = mapped_column(Encrypted())
    age_years: Mapped[int] = mapped_column(Integer)
    gender: Mapped[str] = mapped_column(Encrypted())
    self_defined_ethnicity: Mapped[str] = mapped_column(Encrypted())
    observed_ethnicity: Mapped[str] = mapped_column(Encrypted())
    phone: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
    email: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
    postcode: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
    preferred_language: Mapped[str] = mapped_column(String(35))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean)
    easy_read: Mapped[bool] = mapped_column(Boolean)

    # the encounter
    encounter_at: Mapped[datetime] = mapped_column(UTCDateTime())
    area: Mapped[str] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
    origin: Mapped[EncounterOrigin] = mapped_column(StringEnum(EncounterOrigin, 30))
    crime_reference: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
    substances: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    main_substance: Mapped[Substance] = mapped_column(StringEnum(Substance, 30))

    # eligibility and agreement
    rule_set_version: Mapped[str] = mapped_column(String(64))
    eligibility_answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    agreement_recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    is_rereferral: Mapped[bool] = mapped_column(Boolean)
    suggested_outcome_code: Mapped[int] = mapped_column(Integer)
    first_contact_due: Mapped[datetime] = mapped_column(UTCDateTime())
    engagement_deadline: Mapped[datetime] = mapped_column(UTCDateTime())


class ReferralStep(Base):
    """A step of the person's engagement that the drug service reported, at the time it happened.

    One row per referral and step (contacted, assessed, booked): the earliest time wins, so a
    rebooking or a redelivered event changes nothing. Submission and closing are not rows here:
    the referral's own `submitted_at`, `closed_at` and `outcome` already say when they happened.
    """

    __tablename__ = "referral_steps"
    __table_args__ = (PrimaryKeyConstraint("referral_id", "status"),)

    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("referrals.id"))
    status: Mapped[ReferralStatus] = mapped_column(StringEnum(ReferralStatus, 20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
