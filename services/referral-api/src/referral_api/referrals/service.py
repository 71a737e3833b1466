"""Submitting and withdrawing referrals."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent, new_event
from contracts.events.v1 import ContactDetails, ReferralSubmitted, ReferralWithdrawn
from contracts.sealed import SealedField, seal
from contracts.vocabulary import EncounterOrigin, ReferralOutcome, ReferralStatus, Substance
from referral_api.clients.service import ClientPrincipal
from referral_api.config import Settings
from referral_api.days import local_day
from referral_api.db import kit
from referral_api.eligibility import service as eligibility_service
from referral_api.eligibility.rules import Decision, RuleSet, Verdict
from referral_api.eligibility.service import check_birth_date
from referral_api.exceptions import (
    invalid_field,
    not_eligible,
    referral_closed,
    unanswered_questions,
)
from referral_api.forces.scheme import Scheme
from referral_api.officers import service as officer_service
from referral_api.outcomes import service as outcome_service
from referral_api.people import repository as people_repository
from referral_api.people.identity import officer_key, person_key
from referral_api.people.repository import PersonHistory
from referral_api.referrals.models import Referral
from referral_api.referrals.schemas import (
    Person,
    ReferralCreated,
    ReferralIn,
    WithdrawalIn,
)
from servicekit.auth import Principal, Role
from servicekit.outbox import add_event
from servicekit.writes import stage

SOURCE = "/referral-api"
_REFERRALS = cast(Table, Referral.__table__)
# Crockford's base32 without look-alikes: easy to read out over a radio
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference(force: Scheme, at: datetime) -> str:
    # 32 letters, so each takes exactly 5 of 30 random bits: uniform, one call for randomness
    bits = secrets.randbits(30)
    code = "".join(_REFERENCE_ALPHABET[(bits >> shift) & 31] for shift in range(0, 30, 5))
    return f"{force.reference_prefix}-{at:%y%m}-{code}"


class ReferralRow(TypedDict):
    """A new referral as staged: one key per column of `Referral`, values as stored."""

    id: uuid.UUID
    reference: str
    force_id: str
    officer_subject: str
    officer_key: str
    submitted_by_role: Role
    integration_client_id: uuid.UUID | None
    status: ReferralStatus
    submitted_at: datetime
    person_key: str
    given_name: str
    family_name: str
    date_of_birth: str
    age_years: int
    gender: str
    self_defined_ethnicity: str
    observed_ethnicity: str
    phone: str | None
    email: str | None
    postcode: str | None
    preferred_language: str
    interpreter_needed: bool
    easy_read: bool
    encounter_at: datetime
    area: str
    place: str | None
    origin: EncounterOrigin
    crime_reference: str | None
    substances: list[dict[str, Any]]
    main_substance: Substance
    rule_set_version: str
    eligibility_answers: dict[str, bool]
    agreement_recorded_at: datetime
    is_rereferral: bool
    suggested_outcome_code: int
    first_contact_due: datetime
    engagement_deadline: datetime


async def submit(
    *,
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    force: Scheme,
    payload: ReferralIn,
    now: datetime | None = None,
) -> ReferralCreated:
    """Check eligibility again on the server, store the referral, stage its event."""
    now = now or datetime.now(UTC)
    answers = payload.all_answers()
    encounter_at = payload.encounter.occurred_at.astimezone(UTC)
    age = check_request(force, payload, encounter_at)
    key = key_person(settings, force, payload.person)
    history = await people_repository.history_on(
        session=session, force_id=force.id, person_key=key, on=encounter_at
    )
    decision = check_eligible(force.rule_set, history, payload, encounter_at, answers)
    officer = await referring_officer(session, principal, force, payload)
    row = referral_row(
        settings=settings,
        principal=principal,
        officer_subject=officer,
        force=force,
        payload=payload,
        person_key=key,
        age=age,
        history=history,
        decision=decision,
        answers=answers,
        encounter_at=encounter_at,
        now=now,
    )
    # written at commit with the event and the Idempotency-Key: on PostgreSQL one statement
    stage(session, _REFERRALS, row)
    await add_event(session, kit, submitted_event(row, settings, payload))
    return ReferralCreated(
        id=row["id"],
        reference=row["reference"],
        status=ReferralStatus.submitted,
        suggested_outcome_code=row["suggested_outcome_code"],
        submitted_at=row["submitted_at"],
        engagement_deadline=row["engagement_deadline"],
        rule_set_version=row["rule_set_version"],
    )


def check_request(force: Scheme, payload: ReferralIn, encounter_at: datetime) -> int:
    """What the schema cannot know: the force's questions and areas, and a believable birth
    date for the day of the encounter. Returns the person's age on that day."""
    eligibility_service.check_answers_known(force.rule_set, dict(payload.answers), "answers")
    if payload.encounter.area not in force.area_codes():
        raise invalid_field(
            "encounter.area",
            f"is not one of your force's areas ({', '.join(sorted(force.area_codes()))})",
        )
    return check_birth_date(
        payload.person.date_of_birth, local_day(encounter_at), field="person.date_of_birth"
    )


def key_person(settings: Settings, force: Scheme, person: Person) -> str:
    """The person's keyed hash in the force: how their bar and earlier referrals are found."""
    return person_key(
        identity_key=settings.identity_key,
        force_id=force.id,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
    )


def check_eligible(
    rule_set: RuleSet,
    history: PersonHistory,
    payload: ReferralIn,
    encounter_at: datetime,
    answers: dict[str, bool | None],
) -> Decision:
    """The rules again, on the server (the bar included): refused unless eligible."""
    decision = eligibility_service.decide(
        rule_set=rule_set,
        history=history,
        date_of_birth=payload.person.date_of_birth,
        encounter_at=encounter_at,
        answers=answers,
    )
    if decision.outcome is Verdict.incomplete:
        raise unanswered_questions(rule_set, answers)
    if not decision.eligible:
        raise not_eligible(
            decision.reasons,
            decision.not_before.isoformat() if decision.not_before else None,
            decision.rule_set_version,
        )
    return decision


async def referring_officer(
    session: AsyncSession, principal: Principal, force: Scheme, payload: ReferralIn
) -> str:
    """The officer who referred: an officer is themself; a force system names the officer it
    acts for, who must be known to be of its force."""
    if principal.role is not Role.integration:
        return principal.subject
    return await officer_service.check_acts_for(
        session=session, force_id=force.id, officer_id=payload.officer_id
    )


def referral_row(
    *,
    settings: Settings,
    principal: Principal,
    officer_subject: str,
    force: Scheme,
    payload: ReferralIn,
    person_key: str,
    age: int,
    history: PersonHistory,
    decision: Decision,
    answers: dict[str, bool | None],
    encounter_at: datetime,
    now: datetime,
) -> ReferralRow:
    """The referral as it will be stored, with its deadlines from the force's scheme."""
    person = payload.person
    return ReferralRow(
        id=uuid.uuid4(),
        reference=new_reference(force, now),
        force_id=force.id,
        officer_subject=officer_subject,
        officer_key=officer_key(
            identity_key=settings.identity_key, force_id=force.id, officer_subject=officer_subject
        ),
        submitted_by_role=principal.role,
        # who acted for the officer: the force system's registration
        integration_client_id=(
            principal.registration_id if isinstance(principal, ClientPrincipal) else None
        ),
        status=ReferralStatus.submitted,
        submitted_at=now,
        person_key=person_key,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth.isoformat(),
        age_years=age,
        gender=person.gender.value,
        self_defined_ethnicity=person.self_defined_ethnicity.value,
        observed_ethnicity=person.observed_ethnicity.value,
        phone=person.phone,
        email=person.email,
        postcode=person.postcode,
        preferred_language=person.preferred_language,
        interpreter_needed=person.interpreter_needed,
        easy_read=person.easy_read,
        encounter_at=encounter_at,
        area=payload.encounter.area,
        place=payload.encounter.place,
        origin=payload.encounter.origin,
        crime_reference=payload.encounter.crime_reference,
        substances=[s.model_dump(mode="json", exclude_none=True) for s in payload.substances],
        main_substance=payload.main,
        rule_set_version=decision.rule_set_version,
        eligibility_answers={k: v for k, v in answers.items() if v is not None},
        agreement_recorded_at=payload.agreement.recorded_at.astimezone(UTC),
        is_rereferral=history.referred_before,
        suggested_outcome_code=force.suggested_outcome_code,
        first_contact_due=now + timedelta(hours=force.first_contact_hours),
        engagement_deadline=now + timedelta(days=force.engagement_window_days),
    )


def sealed_contact(settings: Settings, person: Person) -> SealedField:
    """The person's contact details, readable only by the assessment service's key."""
    contact = ContactDetails(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        phone=person.phone,
        email=person.email,
        postcode=person.postcode,
        preferred_language=person.preferred_language,
        interpreter_needed=person.interpreter_needed,
        easy_read=person.easy_read,
    )
    return seal(
        contact.model_dump_json().encode(),
        public_key=settings.assessment_public_key,
        kid=settings.assessment_key_id,
    )


def submitted_event(referral: ReferralRow, settings: Settings, payload: ReferralIn) -> CloudEvent:
    """The event for a referral just stored, its contact details sealed."""
    person = payload.person
    return new_event(
        ReferralSubmitted(
            referral_id=referral["id"],
            reference=referral["reference"],
            force_id=referral["force_id"],
            officer_key=referral["officer_key"],
            area=referral["area"],
            submitted_at=referral["submitted_at"],
            encounter_at=referral["encounter_at"],
            encounter_origin=payload.encounter.origin,
            substances=[s.substance for s in payload.substances],
            main_substance=payload.main,
            age_years=referral["age_years"],
            gender=person.gender,
            self_defined_ethnicity=person.self_defined_ethnicity,
            observed_ethnicity=person.observed_ethnicity,
            person_key=referral["person_key"],
            is_rereferral=referral["is_rereferral"],
            rule_set_version=referral["rule_set_version"],
            first_contact_due=referral["first_contact_due"],
            engagement_deadline=referral["engagement_deadline"],
            contact=sealed_contact(settings, person),
        ),
        source=SOURCE,
        subject=str(referral["id"]),
        forceid=referral["force_id"],
    )


async def withdraw(
    *,
    session: AsyncSession,
    referral: Referral,
    force: Scheme,
    payload: WithdrawalIn,
    now: datetime | None = None,
) -> Referral:
    """Withdraw a referral made in error: published as withdrawn, then closed."""
    now = now or datetime.now(UTC)
    if outcome_service.is_closed(referral):
        raise referral_closed(referral.status)
    referral.withdrawal_reason = payload.reason
    referral.withdrawal_note = payload.note
    await add_event(
        session,
        kit,
        new_event(
            ReferralWithdrawn(referral_id=referral.id, reason=payload.reason, withdrawn_at=now),
            source=SOURCE,
            subject=str(referral.id),
            forceid=referral.force_id,
        ),
    )
    await outcome_service.close(
        session=session, referral=referral, force=force, outcome=ReferralOutcome.withdrawn, at=now
    )
    return referral
