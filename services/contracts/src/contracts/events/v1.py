"""Version 1 of every event in the scheme.

Events carry pseudonymous ids and categorical data only: never names, contact details or free
text in clear. Within v1, changes are additive only (new optional fields); a breaking change is a
new type (`...v2`) published beside this one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.envelope import CloudEvent, EventData
from contracts.sealed import SealedField
from contracts.vocabulary import (
    AuditBand,
    EncounterOrigin,
    EngagementStage,
    Gender,
    NeedDomain,
    NeedLevel,
    ObservedEthnicity,
    Pathway,
    PgsiBand,
    ReferralOutcome,
    SafeguardingCategory,
    SdsBand,
    SelfDefinedEthnicity,
    Substance,
    WithdrawalReason,
)


class ContactDetails(BaseModel):
    """What the provider needs to phone the person. Travels only inside a sealed field."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    given_name: str
    family_name: str
    date_of_birth: date
    phone: str | None = None
    email: str | None = None
    postcode: str | None = None
    preferred_language: str = Field(default="en", description="BCP 47 language tag.")
    interpreter_needed: bool = False
    easy_read: bool = False


class ReminderContact(BaseModel):
    """What scheduling-api needs to remind the person of a session, by SMS or email in their
    language. Travels only inside a sealed field, in `assessment.completed.v1`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    given_name: str
    phone: str | None = None
    email: str | None = None
    preferred_language: str = Field(default="en", description="BCP 47 language tag.")
    interpreter_needed: bool = False
    easy_read: bool = False


# referral-api ---------------------------------------------------------------------------------


class ReferralSubmitted(EventData):
    """An officer referred a person who accepted diversion instead of arrest."""

    event_type: ClassVar[str] = "referral.submitted.v1"

    referral_id: uuid.UUID
    reference: str = Field(
        description="Short human reference the officer notes on the crime record."
    )
    force_id: str
    officer_key: str = Field(description="Pseudonymous key of the referring officer.")
    area: str = Field(description="The force's policing area code where the encounter happened.")
    submitted_at: datetime
    encounter_at: datetime
    encounter_origin: EncounterOrigin
    substances: list[Substance]
    main_substance: Substance
    age_years: int
    gender: Gender
    self_defined_ethnicity: SelfDefinedEthnicity
    observed_ethnicity: ObservedEthnicity
    person_key: str = Field(
        description="Keyed hash of normalised identity, for re-referral counts."
    )
    is_rereferral: bool
    rule_set_version: str
    first_contact_due: datetime
    engagement_deadline: datetime
    contact: SealedField = Field(description="ContactDetails sealed to the assessment service.")


class ReferralWithdrawn(EventData):
    """The force withdrew a referral (for example made in error): work on it stops."""

    event_type: ClassVar[str] = "referral.withdrawn.v1"

    referral_id: uuid.UUID
    reason: WithdrawalReason
    withdrawn_at: datetime


class ReferralClosed(EventData):
    """The referral is finished, with the outcome for the force's crime record."""

    event_type: ClassVar[str] = "referral.closed.v1"

    referral_id: uuid.UUID
    outcome: ReferralOutcome
    closed_at: datetime
    suggested_outcome_code: int | None = Field(
        default=None, description="Home Office outcome code suggested for the crime record."
    )
    bar_expires_at: datetime | None = None
    barred_indefinitely: bool = False


# assessment-api -------------------------------------------------------------------------------


class CaseContacted(EventData):
    """The provider reached the person for the first time."""

    event_type: ClassVar[str] = "case.contacted.v1"

    referral_id: uuid.UUID
    case_id: uuid.UUID
    contacted_at: datetime = Field(description="Time of the first successful contact.")
    attempts: int = Field(ge=1, description="Attempts made up to and including that contact.")


class AssessmentCompleted(EventData):
    """The assessment is done and a pathway allocated: categories and bands, never answers."""

    event_type: ClassVar[str] = "assessment.completed.v1"

    referral_id: uuid.UUID
    case_id: uuid.UUID
    completed_at: datetime
    pathway: Pathway
    proposed_pathway: Pathway
    overridden: bool
    main_substance: Substance
    dependence_indicated: bool
    injecting: bool
    safeguarding_concern: bool
    needs: dict[NeedDomain, NeedLevel]
    audit_band: AuditBand | None = None
    pgsi_band: PgsiBand | None = None
    sds_band: SdsBand | None = None
    preferred_language: str = "en"
    interpreter_needed: bool = False
    easy_read: bool = False
    reminder_contact: SealedField | None = Field(
        default=None,
        description="ReminderContact sealed to the scheduling service, for session reminders. "
        "Absent when the assessment service has no scheduling key configured.",
    )


class CaseNotEngaged(EventData):
    """The person did not engage with the provider in time; `stage_reached` says how far."""

    event_type: ClassVar[str] = "case.not_engaged.v1"

    referral_id: uuid.UUID
    case_id: uuid.UUID
    stage_reached: EngagementStage
    at: datetime
    attempts: int = 0


class SafeguardingRaised(EventData):
    """The worker raised a safeguarding referral for the person."""

    event_type: ClassVar[str] = "safeguarding.raised.v1"

    referral_id: uuid.UUID
    safeguarding_referral_id: uuid.UUID
    category: SafeguardingCategory
    raised_at: datetime


class SupportReferred(EventData):
    """The worker referred the person to a local support service for one need."""

    event_type: ClassVar[str] = "support.referred.v1"

    referral_id: uuid.UUID
    support_referral_id: uuid.UUID
    need_domain: NeedDomain
    service_id: str
    referred_at: datetime


# scheduling-api -------------------------------------------------------------------------------


class SessionBooked(EventData):
    """The person was booked onto a session of their pathway, or rebooked."""

    event_type: ClassVar[str] = "session.booked.v1"

    referral_id: uuid.UUID
    booking_id: uuid.UUID
    session_id: uuid.UUID
    course_type: Pathway
    session_start: datetime
    rebooking: bool = False


class SessionAttended(EventData):
    """The facilitator marked the person present at a booked session."""

    event_type: ClassVar[str] = "session.attended.v1"

    referral_id: uuid.UUID
    booking_id: uuid.UUID
    session_id: uuid.UUID
    at: datetime


class SessionMissed(EventData):
    """The person did not attend a booked session."""

    event_type: ClassVar[str] = "session.missed.v1"

    referral_id: uuid.UUID
    booking_id: uuid.UUID
    session_id: uuid.UUID
    at: datetime


class InterventionCompleted(EventData):
    """The person attended their allocated session: the intervention is complete."""

    event_type: ClassVar[str] = "intervention.completed.v1"

    referral_id: uuid.UUID
    completed_at: datetime
    course_type: Pathway | None = None


class InterventionNotEngaged(EventData):
    """The person missed every offered session up to the force's deadline."""

    event_type: ClassVar[str] = "intervention.not_engaged.v1"

    referral_id: uuid.UUID
    at: datetime
    sessions_missed: int = Field(ge=0)


# envelopes ------------------------------------------------------------------------------------


class ReferralSubmittedEvent(CloudEvent):
    type: Literal["referral.submitted.v1"] = "referral.submitted.v1"
    data: ReferralSubmitted


class ReferralWithdrawnEvent(CloudEvent):
    type: Literal["referral.withdrawn.v1"] = "referral.withdrawn.v1"
    data: ReferralWithdrawn


class ReferralClosedEvent(CloudEvent):
    type: Literal["referral.closed.v1"] = "referral.closed.v1"
    data: ReferralClosed


class CaseContactedEvent(CloudEvent):
    type: Literal["case.contacted.v1"] = "case.contacted.v1"
    data: CaseContacted


class AssessmentCompletedEvent(CloudEvent):
    type: Literal["assessment.completed.v1"] = "assessment.completed.v1"
    data: AssessmentCompleted


class CaseNotEngagedEvent(CloudEvent):
    type: Literal["case.not_engaged.v1"] = "case.not_engaged.v1"
    data: CaseNotEngaged


class SafeguardingRaisedEvent(CloudEvent):
    type: Literal["safeguarding.raised.v1"] = "safeguarding.raised.v1"
    data: SafeguardingRaised


class SupportReferredEvent(CloudEvent):
    type: Literal["support.referred.v1"] = "support.referred.v1"
    data: SupportReferred


class SessionBookedEvent(CloudEvent):
    type: Literal["session.booked.v1"] = "session.booked.v1"
    data: SessionBooked


class SessionAttendedEvent(CloudEvent):
    type: Literal["session.attended.v1"] = "session.attended.v1"
    data: SessionAttended


class SessionMissedEvent(CloudEvent):
    type: Literal["session.missed.v1"] = "session.missed.v1"
    data: SessionMissed


class InterventionCompletedEvent(CloudEvent):
    type: Literal["intervention.completed.v1"] = "intervention.completed.v1"
    data: InterventionCompleted


class InterventionNotEngagedEvent(CloudEvent):
    type: Literal["intervention.not_engaged.v1"] = "intervention.not_engaged.v1"
    data: InterventionNotEngaged


ENVELOPES: tuple[type[CloudEvent], ...] = (
    ReferralSubmittedEvent,
    ReferralWithdrawnEvent,
    ReferralClosedEvent,
    CaseContactedEvent,
    AssessmentCompletedEvent,
    CaseNotEngagedEvent,
    SafeguardingRaisedEvent,
    SupportReferredEvent,
    SessionBookedEvent,
    SessionAttendedEvent,
    SessionMissedEvent,
    InterventionCompletedEvent,
    InterventionNotEngagedEvent,
)
