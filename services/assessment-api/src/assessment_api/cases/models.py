"""A case and its contact attempts, and the referrals the force withdrew. The person's contact
details are encrypted at rest."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from assessment_api.db import Base
from contracts.vocabulary import Substance, WithdrawalReason
from servicekit.crypto import Encrypted
from servicekit.db import GUID, StringEnum, UTCDateTime


class CaseStatus(StrEnum):
    awaiting_contact = "awaiting_contact"
    contacted = "contacted"
    assessed = "assessed"
    not_engaged = "not_engaged"
    withdrawn = "withdrawn"


OPEN_STATUSES = (CaseStatus.awaiting_contact, CaseStatus.contacted)
# What a withdrawal closes: an open case, and an assessed one too, whose referral is still open
# while the person waits for their session (docs/decisions/0013-withdrawal-until-closed.md).
# Only an end (not engaged, withdrawn) is final.
WITHDRAWABLE_STATUSES = (*OPEN_STATUSES, CaseStatus.assessed)


class ContactChannel(StrEnum):
    phone = "phone"
    sms = "sms"
    email = "email"
    letter = "letter"


class ContactResult(StrEnum):
    answered = "answered"
    no_answer = "no_answer"
    voicemail = "voicemail"
    wrong_number = "wrong_number"
    declined = "declined"
    callback_requested = "callback_requested"
    message_sent = "message_sent"
    replied = "replied"
    undeliverable = "undeliverable"


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_queue", "provider_id", "force_id", "status", "due_at", "received_at", "id"),
        Index("ix_cases_sweep", "status", "engagement_deadline"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), unique=True)
    reference: Mapped[str] = mapped_column(String(32))
    force_id: Mapped[str] = mapped_column(String(64))
    # the provider serving the force when the case opened: only its workers see the case. None
    # when no provider served the force then (on no queue until one is configured for it)
    provider_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    area: Mapped[str] = mapped_column(String(64))
    status: Mapped[CaseStatus] = mapped_column(StringEnum(CaseStatus, 20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), comment="Referral submitted.")
    first_contact_due: Mapped[datetime] = mapped_column(UTCDateTime())
    engagement_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    # the next deadline the queue is ordered by: first contact, then the engagement deadline
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    main_substance: Mapped[Substance] = mapped_column(StringEnum(Substance, 30))
    substances: Mapped[list[str]] = mapped_column(JSON)
    age_years: Mapped[int] = mapped_column(Integer)
    is_rereferral: Mapped[bool] = mapped_column(Boolean)

    # contact details, opened from the referral's sealed field and encrypted here
    given_name: Mapped[str] = mapped_column(Encrypted())
    family_name: Mapped[str] = mapped_column(Encrypted())
    date_of_birth: Mapped[str] = mapped_column(Encrypted())
    phone: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
    email: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
    postcode: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
    preferred_language: Mapped[str] = mapped_column(String(35))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean)
    easy_read: Mapped[bool] = mapped_column(Boolean)

    first_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawal_reason: Mapped[WithdrawalReason | None] = mapped_column(
        StringEnum(WithdrawalReason, 40), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContactAttempt(Base):
    __tablename__ = "contact_attempts"
    __table_args__ = (Index("ix_contact_attempts_case", "case_id", "attempted_at"),)

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("cases.id"))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[ContactChannel] = mapped_column(StringEnum(ContactChannel, 10))
    result: Mapped[ContactResult] = mapped_column(StringEnum(ContactResult, 30))
    note: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReferralWithdrawal(Base):
    """The force withdrew this referral. Kept whether or not its case exists yet, so that a
    submission applied after its withdrawal opens the case already withdrawn."""

    __tablename__ = "referral_withdrawals"

    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    reason: Mapped[WithdrawalReason] = mapped_column(StringEnum(WithdrawalReason, 40))
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
