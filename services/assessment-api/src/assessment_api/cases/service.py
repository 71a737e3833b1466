"""Opening cases from referrals, withdrawing them, and recording contact attempts."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.cases import repository
from assessment_api.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    ContactAttempt,
    ReferralWithdrawal,
)
from assessment_api.cases.schemas import CLOCK_SKEW, REACHED, ContactAttemptIn
from assessment_api.events import publish
from assessment_api.exceptions import case_conflict, invalid_field
from assessment_api.providers import repository as provider_repository
from contracts.events.v1 import CaseContacted, ContactDetails, ReferralSubmitted, ReferralWithdrawn
from contracts.sealed import SealedFieldError, open_sealed
from servicekit.inbox import PermanentFailure

log = logging.getLogger(__name__)


def describe_errors(exc: ValidationError) -> str:
    """Which fields failed and why, without the values that failed."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or '(document)'}: "
        f"{error['msg']} ({error['type']})"
        for error in exc.errors(include_input=False, include_url=False, include_context=False)
    )


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
        opened = open_sealed(data.contact, private_key=key)
    except SealedFieldError as exc:
        raise PermanentFailure(
            f"referral {data.referral_id}: contact details cannot be read: {exc}"
        ) from exc
    try:
        return ContactDetails.model_validate_json(opened)
    except ValidationError as exc:
        # The message goes to the dead-letter table and the log: it names the fields and the
        # reasons, never the values (pydantic's own text repeats the person's details).
        raise PermanentFailure(
            f"referral {data.referral_id}: contact details cannot be read: {describe_errors(exc)}"
        ) from None


async def open_case(
    *,
    session: AsyncSession,
    data: ReferralSubmitted,
    private_keys: dict[str, str],
    now: datetime | None = None,
) -> Case | None:
    """A case on the queue for a new referral; None when the referral already has one.

    The case belongs to the provider serving the referral's force now, and stays with it if the
    force later moves to another provider. When no provider serves the force the case has none
    and is on no worker's queue until a provider is configured for the force
    (`serve_force`).

    A referral whose withdrawal was applied first (its submission redelivered after a failure)
    opens already withdrawn: never on the queue, never swept as not engaged.
    """
    await repository.lock_referral(session=session, referral_id=data.referral_id)
    if await repository.get_by_referral(session=session, referral_id=data.referral_id):
        return None
    now = now or datetime.now(UTC)
    contact = open_contact_details(data, private_keys)
    withdrawal = await repository.withdrawal_of(session=session, referral_id=data.referral_id)
    provider_id = await provider_repository.provider_serving(
        session=session, force_id=data.force_id
    )
    if provider_id is None:
        log.warning(
            "referral %s: no provider serves force %s; its case is on no queue until one does",
            data.referral_id,
            data.force_id,
        )
    case = Case(
        id=uuid.uuid4(),
        referral_id=data.referral_id,
        reference=data.reference,
        force_id=data.force_id,
        provider_id=provider_id,
        area=data.area,
        status=CaseStatus.withdrawn if withdrawal else CaseStatus.awaiting_contact,
        closed_at=withdrawal.withdrawn_at if withdrawal else None,
        withdrawal_reason=withdrawal.reason if withdrawal else None,
        received_at=data.submitted_at,
        first_contact_due=data.first_contact_due,
        engagement_deadline=data.engagement_deadline,
        due_at=data.first_contact_due,
        main_substance=data.main_substance,
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
) -> Case | None:
    """The force withdrew the referral: its case closes as withdrawn and work on it stops.

    The withdrawal is recorded whatever the case's state, so the order the events arrive in does
    not matter: a submission applied after it opens its case already withdrawn. An assessed case
    closes too (its assessment is kept): the referral is still open while the person waits for
    their session, and the two services must agree on how it ended. Only a case that already
    ended as not engaged keeps that outcome, which referral-api has closed it with (it refuses
    a withdrawal once it knows). Returns the case, or None while there is none yet.
    """
    now = now or datetime.now(UTC)
    await repository.lock_referral(session=session, referral_id=data.referral_id)
    withdrawal = await repository.withdrawal_of(session=session, referral_id=data.referral_id)
    if withdrawal is None:
        withdrawal = ReferralWithdrawal(
            referral_id=data.referral_id,
            reason=data.reason,
            withdrawn_at=data.withdrawn_at,
            recorded_at=now,
        )
        session.add(withdrawal)
        await session.flush()
    await repository.withdraw_open(
        session=session,
        referral_id=data.referral_id,
        reason=withdrawal.reason,
        withdrawn_at=withdrawal.withdrawn_at,
        now=now,
    )
    return await repository.get_by_referral(session=session, referral_id=data.referral_id)


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
        channel=payload.channel,
        result=payload.result,
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
            referral_id=case.referral_id,
            force_id=case.force_id,
            data=CaseContacted(
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


async def serve_force(
    *, session: AsyncSession, provider_id: str, force_id: str, now: datetime
) -> None:
    """Make the provider the one serving the force from now on.

    When another provider served it until now the force moves: referrals arriving from now on
    go to the new provider, while cases already opened stay with the provider they opened
    under, which finishes them. Cases opened while no provider served the force have no
    provider; they go to this one.
    """
    await provider_repository.serve(
        session=session, provider_id=provider_id, force_id=force_id, now=now
    )
    await repository.give_unassigned(
        session=session, force_id=force_id, provider_id=provider_id, now=now
    )
