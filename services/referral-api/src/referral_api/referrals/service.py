"""Submitting and withdrawing referrals."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent, new_event
from contracts.events.v1 import ContactDetails, ReferralSubmitted, ReferralWithdrawn
from contracts.sealed import seal
from contracts.vocabulary import ReferralOutcome, ReferralStatus
from referral_api.config import Settings
from referral_api.days import local_day
from referral_api.db import kit
from referral_api.eligibility import service as eligibility_service
from referral_api.eligibility.rules import Verdict
from referral_api.eligibility.service import check_birth_date
from referral_api.exceptions import (
    invalid_field,
    not_eligible,
    referral_closed,
    unanswered_questions,
)
from referral_api.forces.scheme import Scheme
from referral_api.outcomes import service as outcome_service
from referral_api.people import repository as people_repository
from referral_api.people.identity import officer_key, person_key
from referral_api.referrals.models import Referral
from referral_api.referrals.schemas import (
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
    rule_set = force.rule_set
    answers = payload.all_answers()
    eligibility_service.check_answers_known(rule_set, dict(payload.answers), "answers")
    if payload.encounter.area not in force.area_codes():
        raise invalid_field(
            "encounter.area",
            f"is not one of your force's areas ({', '.join(sorted(force.area_codes()))})",
        )
    person = payload.person
    encounter_at = payload.encounter.occurred_at.astimezone(UTC)
    age = check_birth_date(
        person.date_of_birth, local_day(encounter_at), field="person.date_of_birth"
    )
    key = person_key(
        identity_key=settings.identity_key,
        force_id=force.id,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
    )
    history = await people_repository.history_on(
        session=session, force_id=force.id, person_key=key, on=encounter_at
    )
    decision = eligibility_service.decide(
        rule_set=rule_set,
        history=history,
        date_of_birth=person.date_of_birth,
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
    officer_subject = (
        payload.officer_id
        if principal.role is Role.integration and payload.officer_id
        else principal.subject
    )
    row: dict[str, Any] = dict(
        id=uuid.uuid4(),
        reference=new_reference(force, now),
        force_id=force.id,
        officer_subject=officer_subject,
        officer_key=officer_key(
            identity_key=settings.identity_key, force_id=force.id, officer_subject=officer_subject
        ),
        submitted_by_role=principal.role,
        status=ReferralStatus.submitted,
        submitted_at=now,
        person_key=key,
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


def submitted_event(
    referral: Mapping[str, Any], settings: Settings, payload: ReferralIn
) -> CloudEvent:
    """The event for a referral just stored (`referral` is its row, column by column)."""
    person = payload.person
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
    sealed = seal(
        contact.model_dump_json().encode(),
        public_key=settings.assessment_public_key,
        kid=settings.assessment_key_id,
    )
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
            contact=sealed,
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
