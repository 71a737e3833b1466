"""Opening cases from referrals, withdrawing them, and recording contact attempts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.cases import repository
from assessment_api.cases.models import OPEN_STATUSES, Case, CaseStatus, ContactAttempt
from assessment_api.cases.schemas import CLOCK_SKEW, REACHED, ContactAttemptIn
from assessment_api.events import publish
from assessment_api.exceptions import case_conflict, invalid_field
from contracts.events.v1 import CaseContacted, ContactDetails, ReferralSubmitted, ReferralWithdrawn
from contracts.sealed import SealedFieldError, open_sealed
from servicekit.inbox import PermanentFailure


def open_contact_details(data: ReferralSubmitted, private_keys: dict[str, str]) -> ContactDetails:
    """Open the sealed contact details with the key the referral names.

    A field sealed to a key this service does not hold, or tampered with, can never be opened:
    the event is dead-lettered for an operator rather than retried.
    """
    key = private_keys.get(data.contact.kid)
    if key is None:
        raise PermanentFailure(
            f"referral {data.referral_id}: contact details sealed to unknown key "
            f"{data.contact.kid!r}"
        )
    try:
        return ContactDetails.model_validate_json(open_sealed(data.contact, private_key=key))
    except (SealedFieldError, ValidationError) as exc:
        raise PermanentFailure(
            f"referral {data.referral_id}: contact details cannot be read: {exc}"
        ) from exc


async def open_case(
    *,
    session: AsyncSession,
    data: ReferralSubmitted,
    private_keys: dict[str, str],
    now: datetime | None = None,
) -> Case | None:
    """A case on the queue for a new referral; None when the referral already has one."""
    if await repository.get_by_referral(session=session, referral_id=data.referral_id):
        return None
    now = now or datetime.now(UTC)
    contact = open_contact_details(data, private_keys)
    case = Case(
        id=uuid.uuid4(),
        referral_id=data.referral_id,
        reference=data.reference,
        force_id=data.force_id,
        area=data.area,
        status=CaseStatus.awaiting_contact.value,
        received_at=data.submitted_at,
        first_contact_due=data.first_contact_due,
        engagement_deadline=data.engagement_deadline,
        due_at=data.first_contact_due,
        main_substance=data.main_substance.value,
        substances=[s.value for s in data.substances],
        age_years=data.age_years,
        is_rereferral=data.is_rereferral,
        given_name=contact.given_name,
        family_name=contact.family_name,
        date_of_birth=contact.date_of_birth.isoformat(),
        phone=contact.phone,
        email=contact.email,
        postcode=contact.postcode,
        preferred_language=contact.preferred_language,
        interpreter_needed=contact.interpreter_needed,
        easy_read=contact.easy_read,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    await session.flush()
    return case


async def withdraw(
    *, session: AsyncSession, data: ReferralWithdrawn, now: datetime | None = None
) -> Case:
    """The force withdrew the referral: the case closes and work on it stops."""
    case = await repository.get_by_referral(session=session, referral_id=data.referral_id)
    if case is None:
        # The referral's own event was never applied here (dead-lettered, or another
        # deployment's): keep this one beside it for an operator to replay in order.
        raise PermanentFailure(f"no case for withdrawn referral {data.referral_id}")
    if case.status != CaseStatus.withdrawn.value:
        case.status = CaseStatus.withdrawn.value
        case.withdrawal_reason = data.reason.value
        case.closed_at = data.withdrawn_at
        case.updated_at = now or datetime.now(UTC)
        await session.flush()
    return case


async def record_contact_attempt(
    *,
    session: AsyncSession,
    case: Case,
    payload: ContactAttemptIn,
    recorded_by: str,
    now: datetime | None = None,
) -> tuple[ContactAttempt, bool]:
    """Log an attempt; the first that reaches the person marks the case contacted and
    publishes case.contacted.v1, once."""
    now = now or datetime.now(UTC)
    attempted_at = (payload.attempted_at or now).astimezone(UTC)
    if attempted_at > now + CLOCK_SKEW:
        raise invalid_field("attempted_at", "cannot be in the future")
    if attempted_at < case.received_at:
        raise invalid_field(
            "attempted_at", "is before the referral was made; check the date and time"
        )
    if CaseStatus(case.status) not in OPEN_STATUSES or not await repository.claim_open(
        session=session, case_id=case.id, now=now
    ):
        await session.refresh(case)
        raise case_conflict(
            f"This case is {case.status.replace('_', ' ')}; contact attempts are recorded only "
            "on open cases."
        )
    attempt = ContactAttempt(
        id=uuid.uuid4(),
        case_id=case.id,
        attempted_at=attempted_at,
        channel=payload.channel.value,
        result=payload.result.value,
        note=payload.note,
        recorded_by=recorded_by,
        recorded_at=now,
    )
    session.add(attempt)
    await session.flush()
    first = payload.result in REACHED and await repository.mark_first_contact(
        session=session,
        case_id=case.id,
        at=attempted_at,
        engagement_deadline=case.engagement_deadline,
    )
    if first:
        await publish(
            session,
            case,
            CaseContacted(
                referral_id=case.referral_id,
                case_id=case.id,
                contacted_at=attempted_at,
                attempts=await repository.count_attempts(
                    session=session, case_id=case.id, up_to=attempted_at
                ),
            ),
        )
    await session.refresh(case)
    return attempt, first
