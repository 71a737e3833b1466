"""Case and contact attempt requests and responses."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.config import JsonDict

from assessment_api.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    ContactAttempt,
    ContactChannel,
    ContactResult,
)
from contracts.vocabulary import NeedDomain, Pathway, SafeguardingCategory, Substance
from servicekit.paging import Page
from servicekit.schemas import FromRow
from servicekit.types import IsoDateTime, MultilineText

CLOCK_SKEW = timedelta(minutes=5)


class Strict(BaseModel):
    """Unknown fields are refused so a typo (or a score) is never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Results that mean the worker reached the person (the first one publishes case.contacted.v1).
REACHED = frozenset(
    {
        ContactResult.answered,
        ContactResult.declined,
        ContactResult.callback_requested,
        ContactResult.replied,
    }
)
RESULTS_BY_CHANNEL: dict[ContactChannel, frozenset[ContactResult]] = {
    ContactChannel.phone: frozenset(
        {
            ContactResult.answered,
            ContactResult.no_answer,
            ContactResult.voicemail,
            ContactResult.wrong_number,
            ContactResult.declined,
            ContactResult.callback_requested,
        }
    ),
    **{
        channel: frozenset(
            {
                ContactResult.message_sent,
                ContactResult.replied,
                ContactResult.declined,
                ContactResult.undeliverable,
                ContactResult.wrong_number,
            }
        )
        for channel in (ContactChannel.sms, ContactChannel.email, ContactChannel.letter)
    },
}


_RESULT_FITS_CHANNEL: JsonDict = {
    "allOf": [
        {
            "if": {"properties": {"channel": {"const": channel.value}}},
            "then": {"properties": {"result": {"enum": [r.value for r in sorted(results)]}}},
        }
        for channel, results in RESULTS_BY_CHANNEL.items()
    ]
}


class ContactAttemptIn(Strict):
    # The result must fit the channel: stated in the schema from the same table the check uses.
    model_config = ConfigDict(json_schema_extra=_RESULT_FITS_CHANNEL)

    attempted_at: IsoDateTime | None = Field(
        default=None, description="When the attempt was made; now when omitted."
    )
    channel: ContactChannel
    result: ContactResult = Field(
        description="answered, declined, callback_requested and replied mean the person was "
        "reached; the first of these marks the case contacted."
    )
    note: MultilineText | None = Field(default=None, max_length=2000)

    @field_validator("result")
    @classmethod
    def _result_fits_channel(cls, value: ContactResult, info: ValidationInfo) -> ContactResult:
        channel = info.data.get("channel")
        if channel is None:
            return value
        allowed = RESULTS_BY_CHANNEL[channel]
        if value not in allowed:
            raise ValueError(
                f"{value.value} does not fit channel {channel.value}; use one of "
                f"{', '.join(sorted(r.value for r in allowed))}"
            )
        return value


class ContactAttemptOut(FromRow):
    id: uuid.UUID
    case_id: uuid.UUID
    attempted_at: datetime
    channel: ContactChannel
    result: ContactResult
    reached: bool
    note: str | None
    recorded_by: str


class ContactAttemptCreated(ContactAttemptOut):
    case_status: CaseStatus
    first_contact: bool = Field(description="This attempt was the first to reach the person.")


class CaseSummary(FromRow):
    """A case on the queue: no contact details (those are read, audited, one case at a time)."""

    id: uuid.UUID
    referral_id: uuid.UUID
    reference: str
    force_id: str
    area: str
    status: CaseStatus
    received_at: datetime
    first_contact_due: datetime
    engagement_deadline: datetime
    due_at: datetime = Field(
        description="The next deadline: first contact while awaiting it, then the engagement "
        "deadline."
    )
    overdue: bool
    attempts: int
    main_substance: Substance
    preferred_language: str
    interpreter_needed: bool
    easy_read: bool


class CasePage(Page[CaseSummary]):
    """One page of the queue."""


class ContactDetailsOut(FromRow):
    given_name: str
    family_name: str
    date_of_birth: date
    phone: str | None
    email: str | None
    postcode: str | None
    preferred_language: str
    interpreter_needed: bool
    easy_read: bool


class AssessmentState(FromRow):
    status: str = Field(description="in_progress or completed")
    pathway: Pathway | None
    overridden: bool


class SupportReferralSummary(FromRow):
    id: uuid.UUID
    service_id: str
    service_name: str
    need_domain: NeedDomain = Field(validation_alias="need")
    referred_at: datetime


class SafeguardingSummary(FromRow):
    id: uuid.UUID
    category: SafeguardingCategory
    status: str
    raised_at: datetime
    needs_follow_up: bool


class CaseOut(CaseSummary):
    contact: ContactDetailsOut
    age_years: int
    substances: list[Substance]
    is_rereferral: bool
    first_contacted_at: datetime | None
    closed_at: datetime | None
    withdrawal_reason: str | None
    contact_attempts: list[ContactAttemptOut]
    assessment: AssessmentState | None
    support_referrals: list[SupportReferralSummary]
    safeguarding_referrals: list[SafeguardingSummary]


def is_overdue(case: Case, now: datetime) -> bool:
    return case.status in OPEN_STATUSES and case.due_at < now


def attempt_out(attempt: ContactAttempt) -> ContactAttemptOut:
    return ContactAttemptOut.of(attempt, reached=attempt.result in REACHED)


def example_contact_attempt() -> dict[str, Any]:
    return {
        "channel": "phone",
        "result": "answered",
        "note": "Spoke to them; happy to do the assessment now.",
    }


def example_no_answer() -> dict[str, Any]:
    return {"channel": "phone", "result": "voicemail", "note": "Left a message with our number."}
