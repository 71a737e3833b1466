"""A realistic example of every event, and the recipients' key pairs for sealed fields."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from contracts import CloudEvent, EventData, new_event, stream_for
from contracts.events import v1
from contracts.sealed import generate_keypair, seal
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

REFERRAL_ID = uuid.UUID("5b0e3a6c-2f4d-4c1e-9a8b-1d2e3f405162")
CASE_ID = uuid.UUID("7c1f4b7d-3a5e-4d2f-8b9c-2e3f40516273")
BOOKING_ID = uuid.UUID("8d2a5c8e-4b6f-4e3a-9cad-3f4051627384")
SESSION_ID = uuid.UUID("9e3b6d9f-5c7a-4f4b-8dbe-405162738495")
SUBMITTED = datetime(2026, 3, 14, 22, 41, tzinfo=UTC)

CONTACT = v1.ContactDetails(
    given_name="Jordan",
    family_name="Okafor-Whitby",
    date_of_birth=date(2001, 7, 19),
    phone="07700 900123",
    email="jordan.ow@example.org",
    postcode="B15 2TT",
    preferred_language="en",
)

REMINDER = v1.ReminderContact(
    given_name="Jordan",
    phone="07700 900123",
    email="jordan.ow@example.org",
    preferred_language="pl",
    interpreter_needed=True,
)


@pytest.fixture(scope="session")
def reminder_contact() -> v1.ReminderContact:
    """The reminder contact sealed into the example completed assessment."""
    return REMINDER


@pytest.fixture(scope="session")
def scheduling_keys() -> tuple[str, str]:
    """The scheduling service's key pair as (private, public)."""
    return generate_keypair()


@pytest.fixture(scope="session")
def contact_details() -> v1.ContactDetails:
    """The contact details sealed into the example referral."""
    return CONTACT


@pytest.fixture(scope="session")
def assessment_keys() -> tuple[str, str]:
    """The assessment service's key pair as (private, public)."""
    return generate_keypair()


def example_data(public_key: str, scheduling_public_key: str) -> list[EventData]:
    """One realistic `data` of every event type, following one referral through the scheme.

    Contact details are sealed to the assessment service's `public_key`, the reminder contact
    to the scheduling service's `scheduling_public_key`."""
    return [
        v1.ReferralSubmitted(
            referral_id=REFERRAL_ID,
            reference="WMP-7K3Q9",
            force_id="west-midlands",
            officer_key="off_3f9a1c",
            area="BW",
            submitted_at=SUBMITTED,
            encounter_at=SUBMITTED - timedelta(minutes=25),
            encounter_origin=EncounterOrigin.stop_and_search,
            substances=[Substance.cannabis, Substance.nitrous_oxide],
            main_substance=Substance.cannabis,
            age_years=24,
            gender=Gender.male,
            self_defined_ethnicity=SelfDefinedEthnicity.B1,
            observed_ethnicity=ObservedEthnicity.IC3,
            person_key="pk_9d41be07c2",
            is_rereferral=False,
            rule_set_version="wmp-2026.1",
            first_contact_due=SUBMITTED + timedelta(days=2),
            engagement_deadline=SUBMITTED + timedelta(days=28),
            contact=seal(
                CONTACT.model_dump_json().encode(), public_key=public_key, kid="assessment-2026-01"
            ),
        ),
        v1.ReferralWithdrawn(
            referral_id=REFERRAL_ID,
            reason=WithdrawalReason.duplicate,
            withdrawn_at=SUBMITTED + timedelta(hours=3),
        ),
        v1.ReferralClosed(
            referral_id=REFERRAL_ID,
            outcome=ReferralOutcome.not_engaged,
            closed_at=SUBMITTED + timedelta(days=29),
            suggested_outcome_code=8,
            bar_expires_at=SUBMITTED + timedelta(days=29 + 365),
        ),
        v1.CaseContacted(
            referral_id=REFERRAL_ID,
            case_id=CASE_ID,
            contacted_at=SUBMITTED + timedelta(days=1, hours=11),
            attempts=2,
        ),
        v1.AssessmentCompleted(
            referral_id=REFERRAL_ID,
            case_id=CASE_ID,
            completed_at=SUBMITTED + timedelta(days=1, hours=12),
            pathway=Pathway.cannabis_group,
            proposed_pathway=Pathway.cannabis_group,
            overridden=False,
            main_substance=Substance.cannabis,
            dependence_indicated=False,
            injecting=False,
            safeguarding_concern=False,
            needs={NeedDomain.mental_health: NeedLevel.some, NeedDomain.housing: NeedLevel.none},
            audit_band=AuditBand.increasing_risk,
            pgsi_band=PgsiBand.non_problem,
            sds_band=SdsBand.below_cutoff,
            interpreter_needed=True,
            preferred_language="pl",
            reminder_contact=seal(
                REMINDER.model_dump_json().encode(),
                public_key=scheduling_public_key,
                kid="scheduling-2026-01",
            ),
        ),
        v1.CaseNotEngaged(
            referral_id=REFERRAL_ID,
            case_id=CASE_ID,
            stage_reached=EngagementStage.contacted,
            at=SUBMITTED + timedelta(days=28),
            attempts=5,
        ),
        v1.SafeguardingRaised(
            referral_id=REFERRAL_ID,
            safeguarding_referral_id=uuid.UUID("0f4c7e0a-6d8b-4a5c-9ecf-516273849506"),
            category=SafeguardingCategory.exploitation,
            raised_at=SUBMITTED + timedelta(days=1, hours=12),
        ),
        v1.SupportReferred(
            referral_id=REFERRAL_ID,
            support_referral_id=uuid.UUID("1a5d8f1b-7e9c-4b6d-8fd0-627384950617"),
            need_domain=NeedDomain.mental_health,
            service_id="bham-mind-talking-therapies",
            referred_at=SUBMITTED + timedelta(days=1, hours=13),
        ),
        v1.SessionBooked(
            referral_id=REFERRAL_ID,
            booking_id=BOOKING_ID,
            session_id=SESSION_ID,
            course_type=Pathway.cannabis_group,
            session_start=datetime(2026, 3, 24, 18, 0, tzinfo=UTC),
        ),
        v1.SessionAttended(
            referral_id=REFERRAL_ID,
            booking_id=BOOKING_ID,
            session_id=SESSION_ID,
            at=datetime(2026, 3, 24, 20, 30, tzinfo=UTC),
        ),
        v1.SessionMissed(
            referral_id=REFERRAL_ID,
            booking_id=BOOKING_ID,
            session_id=SESSION_ID,
            at=datetime(2026, 3, 24, 20, 30, tzinfo=UTC),
        ),
        v1.InterventionCompleted(
            referral_id=REFERRAL_ID,
            completed_at=datetime(2026, 3, 24, 20, 30, tzinfo=UTC),
            course_type=Pathway.cannabis_group,
        ),
        v1.InterventionNotEngaged(
            referral_id=REFERRAL_ID,
            at=datetime(2026, 4, 11, 0, 0, tzinfo=UTC),
            sessions_missed=2,
        ),
    ]


@pytest.fixture(scope="session")
def examples(
    assessment_keys: tuple[str, str], scheduling_keys: tuple[str, str]
) -> dict[str, CloudEvent]:
    """One enveloped example of every event type, by type."""
    events = [
        new_event(
            data,
            source="/" + stream_for(data.event_type).producer,
            subject=str(REFERRAL_ID),
            forceid="west-midlands",
            traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        for data in example_data(assessment_keys[1], scheduling_keys[1])
    ]
    return {event.type: event for event in events}
