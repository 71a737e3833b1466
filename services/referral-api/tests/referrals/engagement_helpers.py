"""A referral and the drug service's events about it, applied as the consumer applies them."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts import CloudEvent, new_event
from contracts.events.v1 import (
    AssessmentCompleted,
    CaseContacted,
    CaseNotEngaged,
    InterventionCompleted,
    InterventionNotEngaged,
    SessionBooked,
)
from contracts.vocabulary import (
    EncounterOrigin,
    EngagementStage,
    Pathway,
    ReferralStatus,
    Substance,
    WithdrawalReason,
)
from referral_api.db import kit
from referral_api.forces import scheme
from referral_api.referrals import repository, service
from referral_api.referrals.consumers import ASSESSMENT, SCHEDULING, subscriptions
from referral_api.referrals.engagement import Step, timeline
from referral_api.referrals.models import Referral
from referral_api.referrals.schemas import WithdrawalIn
from servicekit.auth import Role
from servicekit.db import Database
from servicekit.inbox import Disposition, EventConsumer
from servicekit.problems import Problem

HANDLERS = {**ASSESSMENT, **SCHEDULING}
SUBMITTED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def new_referral(db: Database, *, force_id: str = "demo", at: datetime = SUBMITTED) -> Any:
    """A referral as submitted, stored straight away (its submission is not under test)."""
    referral = Referral(
        id=uuid.uuid4(),
        reference=f"T-{secrets.token_hex(6).upper()}",
        force_id=force_id,
        officer_subject="officer-1",
        officer_key="k" * 64,
        submitted_by_role=Role.officer,
        status=ReferralStatus.submitted,
        submitted_at=at,
        person_key=secrets.token_hex(32),
        given_name="Jordan",
        family_name="Example",
        date_of_birth="1998-04-12",
        age_years=28,
        gender="male",
        self_defined_ethnicity="B1",
        observed_ethnicity="IC3",
        phone="07700 900123",
        email=None,
        postcode=None,
        preferred_language="en",
        interpreter_needed=False,
        easy_read=False,
        encounter_at=at - timedelta(minutes=20),
        area="central",
        place=None,
        origin=EncounterOrigin.other,
        crime_reference=None,
        substances=[{"substance": "cannabis", "estimated_quantity": 3.5, "unit": "g"}],
        main_substance=Substance.cannabis,
        rule_set_version="test",
        eligibility_answers={},
        agreement_recorded_at=at - timedelta(minutes=5),
        is_rereferral=False,
        suggested_outcome_code=8,
        first_contact_due=at + timedelta(hours=72),
        engagement_deadline=at + timedelta(days=28),
    )
    async with db.session() as session:
        session.add(referral)
        await session.commit()
    return referral.id


def _event(data: Any, referral_id: uuid.UUID, source: str, time: datetime) -> CloudEvent:
    return new_event(data, source=source, subject=str(referral_id), forceid="demo", time=time)


def contacted(referral_id: uuid.UUID, at: datetime) -> CloudEvent:
    data = CaseContacted(referral_id=referral_id, case_id=uuid.uuid4(), contacted_at=at, attempts=2)
    return _event(data, referral_id, "/assessment-api", at)


def assessed(referral_id: uuid.UUID, at: datetime) -> CloudEvent:
    data = AssessmentCompleted(
        referral_id=referral_id,
        case_id=uuid.uuid4(),
        completed_at=at,
        pathway=Pathway.cannabis_group,
        proposed_pathway=Pathway.cannabis_group,
        overridden=False,
        main_substance=Substance.cannabis,
        dependence_indicated=False,
        injecting=False,
        safeguarding_concern=False,
        needs={},
    )
    return _event(data, referral_id, "/assessment-api", at)


def booked(referral_id: uuid.UUID, at: datetime) -> CloudEvent:
    data = SessionBooked(
        referral_id=referral_id,
        booking_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        course_type=Pathway.cannabis_group,
        session_start=at + timedelta(days=3),
    )
    return _event(data, referral_id, "/scheduling-api", at)


def case_not_engaged(
    referral_id: uuid.UUID, at: datetime, stage: EngagementStage = EngagementStage.not_contacted
) -> CloudEvent:
    data = CaseNotEngaged(
        referral_id=referral_id, case_id=uuid.uuid4(), stage_reached=stage, at=at, attempts=3
    )
    return _event(data, referral_id, "/assessment-api", at)


def completed(referral_id: uuid.UUID, at: datetime) -> CloudEvent:
    data = InterventionCompleted(
        referral_id=referral_id, completed_at=at, course_type=Pathway.cannabis_group
    )
    return _event(data, referral_id, "/scheduling-api", at)


def intervention_not_engaged(referral_id: uuid.UUID, at: datetime) -> CloudEvent:
    data = InterventionNotEngaged(referral_id=referral_id, at=at, sessions_missed=2)
    return _event(data, referral_id, "/scheduling-api", at)


@dataclass(frozen=True)
class Withdrawal:
    """The officer withdraws the referral at `at` (through the service, as the route does)."""

    at: datetime


Action = CloudEvent | Withdrawal


def consumer_of(db: Database) -> EventConsumer:
    """The consumer as the service runs it, its inbox in `db` (no bus: events are handed in)."""
    return EventConsumer(db, kit, None, subscriptions(), name="referral-api")


async def perform(
    db: Database, consumer: EventConsumer, referral_id: uuid.UUID, action: Action
) -> str:
    """Apply one event (a redelivery is a duplicate) or one withdrawal (refused once closed)."""
    if isinstance(action, Withdrawal):
        async with db.session() as session:
            referral = await repository.lock(session=session, referral_id=referral_id)
            force = await scheme.load(session=session, force_id="demo")
            assert referral is not None and force is not None
            try:
                await service.withdraw(
                    session=session,
                    referral=referral,
                    force=force,
                    payload=WithdrawalIn(reason=WithdrawalReason.made_in_error),
                    now=action.at,
                )
            except Problem as refused:
                assert refused.status == 409
                return "refused"
            await session.commit()
            return "withdrawn"
    disposition = await consumer.apply(action, HANDLERS[action.type], subject=action.type)
    assert disposition in (Disposition.applied, Disposition.duplicate)
    return disposition.value


async def state_of(db: Database, referral_id: uuid.UUID) -> tuple[Referral, list[Step]]:
    async with db.session() as session:
        referral = await repository.lock(session=session, referral_id=referral_id)
        assert referral is not None
        steps = await repository.steps_of(session=session, referral_ids=[referral_id])
        return referral, timeline(referral, steps[referral_id])
