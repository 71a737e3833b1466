"""Referral requests and responses, validated at the boundary with field-level messages."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from contracts.vocabulary import (
    EncounterOrigin,
    Gender,
    ObservedEthnicity,
    ReferralOutcome,
    ReferralStatus,
    SelfDefinedEthnicity,
    Substance,
    WithdrawalReason,
)
from referral_api.eligibility.schemas import Answers, example_eligibility_check
from referral_api.people.schemas import PersonIdentity
from referral_api.schemas import Strict
from servicekit.paging import Page
from servicekit.schemas import FromRow
from servicekit.types import IsoDateTime, MultilineText, Number, Text

# An encounter can be queued on a phone with no signal for a while, but not for weeks.
MAX_ENCOUNTER_AGE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{6,19}$")


def _postcode(value: str) -> str:
    compact = value.upper().replace(" ", "")
    match = _POSTCODE.match(compact)
    if match is None:
        raise ValueError("enter a full UK postcode, like B1 1AA")
    return f"{match.group(1)} {match.group(2)}"


def _phone(value: str) -> str:
    if not _PHONE.match(value.strip()):
        raise ValueError("enter a phone number of digits, like 07700 900123 or +44 7700 900123")
    return value.strip()


Postcode = Annotated[str, StringConstraints(max_length=10), AfterValidator(_postcode)]
Phone = Annotated[str, StringConstraints(max_length=24), AfterValidator(_phone)]
LanguageTag = Annotated[
    str, StringConstraints(pattern=r"^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$", max_length=35)
]


class Person(PersonIdentity):
    gender: Gender
    self_defined_ethnicity: SelfDefinedEthnicity = Field(
        description="As the person defines it (18+1 census codes; NS when not stated)."
    )
    observed_ethnicity: ObservedEthnicity = Field(description="The officer's observed IC code.")
    phone: Phone | None = None
    email: EmailStr | None = Field(default=None, max_length=254, validate_default=True)
    postcode: Postcode | None = None
    preferred_language: LanguageTag = "en"
    interpreter_needed: StrictBool = False
    easy_read: StrictBool = False

    @field_validator("email")
    @classmethod
    def _reachable(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value and not info.data.get("phone"):
            raise ValueError("give a phone number or an email so the drug service can reach them")
        return value


def _check_encounter_time(value: datetime) -> datetime:
    now = datetime.now(UTC)
    if value > now + CLOCK_SKEW:
        raise ValueError("cannot be in the future")
    if value < now - MAX_ENCOUNTER_AGE:
        raise ValueError("is more than 30 days ago; refer at the time of the encounter")
    return value


class Encounter(Strict):
    occurred_at: Annotated[IsoDateTime, AfterValidator(_check_encounter_time)]
    area: Text = Field(min_length=1, max_length=64, description="The force's area code.")
    place: Text | None = Field(default=None, max_length=200, description="Street or landmark.")
    origin: EncounterOrigin
    crime_reference: Text | None = Field(
        default=None, max_length=40, description="The force's crime or search reference, if any."
    )


class QuantityUnit(StrEnum):
    grams = "g"
    milligrams = "mg"
    pills = "pills"
    wraps = "wraps"
    canisters = "canisters"
    millilitres = "ml"
    items = "items"


class SubstanceFound(Strict):
    substance: Substance
    estimated_quantity: Number = Field(gt=0, le=10_000)
    unit: QuantityUnit
    description: Text | None = Field(
        default=None, max_length=100, description="For 'other': what it appeared to be."
    )


class Agreement(Strict):
    agrees_to_engage: StrictBool
    consents_to_share_contact: StrictBool
    recorded_at: IsoDateTime

    @field_validator("recorded_at")
    @classmethod
    def _not_future(cls, value: datetime) -> datetime:
        if value > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError("cannot be in the future")
        return value


class ReferralIn(Strict):
    person: Person
    encounter: Encounter
    substances: list[SubstanceFound] = Field(min_length=1, max_length=9)
    main_substance: Substance | None = Field(
        default=None, description="The main substance; the first listed when omitted."
    )
    answers: Answers = Field(max_length=40, description="Answers to the force's questions.")
    agreement: Agreement
    officer_id: Text | None = Field(
        default=None,
        max_length=64,
        description="Required from force systems: the officer referred for (their id at the "
        "force's identity provider), known to be of the system's force. Ignored for officers.",
    )

    @field_validator("substances")
    @classmethod
    def _each_once(cls, value: list[SubstanceFound]) -> list[SubstanceFound]:
        found = [s.substance for s in value]
        if len(set(found)) != len(found):
            raise ValueError("list each substance once")
        return value

    @field_validator("main_substance")
    @classmethod
    def _main_is_found(cls, value: Substance | None, info: ValidationInfo) -> Substance | None:
        found = {s.substance for s in info.data.get("substances", [])}
        if value is not None and found and value not in found:
            raise ValueError("must be one of the substances found")
        return value

    @property
    def main(self) -> Substance:
        return self.main_substance or self.substances[0].substance

    def all_answers(self) -> dict[str, bool | None]:
        merged: dict[str, bool | None] = dict(self.answers)
        merged["agrees_to_engage"] = self.agreement.agrees_to_engage
        merged["consents_to_share_contact"] = self.agreement.consents_to_share_contact
        return merged


class ReferralCreated(BaseModel):
    id: uuid.UUID
    reference: str = Field(description="Note this on the force's crime record.")
    status: ReferralStatus
    suggested_outcome_code: int = Field(description="Home Office outcome code (8 or 22).")
    submitted_at: datetime
    engagement_deadline: datetime
    rule_set_version: str


class PersonSummary(FromRow):
    given_name: str
    family_name: str
    date_of_birth: date


class EncounterSummary(FromRow):
    occurred_at: datetime = Field(validation_alias="encounter_at")
    area: str
    origin: EncounterOrigin
    crime_reference: str | None


class TimelineStep(BaseModel):
    """A step the referral reached and when: referred, contacted, assessed, booked, then its end
    (completed, did not engage, or withdrawn)."""

    status: ReferralStatus
    at: datetime


# Read from a Referral row; `engagement`, `timeline`, `substances`, `person` and `encounter`
# (the row again) are given, and `is_rereferral` is None for a role that may not see it.
class ReferralOut(FromRow):
    id: uuid.UUID
    reference: str
    status: ReferralStatus
    engagement: str = Field(
        description="Engagement as the police see it: not yet contacted, contacted, assessed, "
        "booked, completed, did not engage, withdrawn."
    )
    outcome: ReferralOutcome | None
    suggested_outcome_code: int
    submitted_at: datetime
    closed_at: datetime | None
    timeline: list[TimelineStep] = Field(
        description="Each step reached with its time, in step order, ending with the outcome "
        "once closed."
    )
    officer_id: str = Field(validation_alias="officer_subject")
    integration_client_id: uuid.UUID | None = Field(
        default=None,
        description="The integration client that made the referral for the officer above, "
        "when a force system made it.",
    )
    person: PersonSummary
    encounter: EncounterSummary
    substances: list[Substance]
    main_substance: Substance
    is_rereferral: bool | SkipJsonSchema[None] = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Whether the person was referred before by the force. Absent from every "
        "response to an officer, who sees only whether a person is eligible, never their "
        "history; supervisors and integration clients get it.",
    )


class ReferralPage(Page[ReferralOut]):
    """One page of referrals."""


class WithdrawalIn(Strict):
    reason: WithdrawalReason
    note: MultilineText | None = Field(default=None, max_length=500)


def example_referral() -> dict[str, Any]:
    """A realistic referral that the demonstration force accepts (times relative to now)."""
    now = datetime.now(UTC).replace(microsecond=0)
    # the same person and answers as the eligibility check's example: checked, then referred
    check = example_eligibility_check()
    agreement = ("agrees_to_engage", "consents_to_share_contact")
    return {
        "person": {
            **check["person"],
            "gender": "male",
            "self_defined_ethnicity": "B1",
            "observed_ethnicity": "IC3",
            "phone": "07700 900123",
            "postcode": "B1 1AA",
            "preferred_language": "en",
        },
        "encounter": {
            "occurred_at": (now - timedelta(minutes=20)).isoformat(),
            "area": "central",
            "place": "Corporation Street",
            "origin": "stop_and_search",
            "crime_reference": "CR/123456/26",
        },
        "substances": [{"substance": "cannabis", "estimated_quantity": 3.5, "unit": "g"}],
        "main_substance": "cannabis",
        "answers": {key: value for key, value in check["answers"].items() if key not in agreement},
        "agreement": {
            "agrees_to_engage": True,
            "consents_to_share_contact": True,
            "recorded_at": (now - timedelta(minutes=5)).isoformat(),
        },
    }
