"""Closing a referral: completed, not engaged (which sets the bar), or withdrawn.

Completion leaves the person free to be referred again any number of times. Not engaging bars
them for the force's bar period (for ever where the force says so); nothing else follows. Each
close publishes `referral.closed.v1` for reporting and, in the same transaction, offers the
outcome to the force's systems: an entry in the outcome feed (`GET /v1/outcomes`) and a message
to each of the force's active webhook endpoints. So an outcome is offered exactly when the
referral is closed, never one without the other.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import new_event
from contracts.events.v1 import ReferralClosed
from contracts.vocabulary import ReferralOutcome, ReferralStatus
from referral_api.db import kit
from referral_api.outcomes.models import Bar, OutcomeEntry
from referral_api.outcomes.schemas import OutcomeOut, webhook_body
from referral_api.webhooks import service as webhook_service
from servicekit.outbox import add_event

SOURCE = "/referral-api"
CLOSED = {ReferralStatus.completed, ReferralStatus.not_engaged, ReferralStatus.withdrawn}


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class BarPolicy(Protocol):
    """What closing needs of a force: who it is and how long it bars (None: for ever)."""

    @property
    def id(self) -> str: ...

    @property
    def bar_months(self) -> int | None: ...


class Closable(Protocol):
    """What closing reads and writes of a referral (the referral's row, in practice)."""

    id: uuid.UUID
    reference: str
    force_id: str
    person_key: str
    suggested_outcome_code: int
    status: ReferralStatus
    outcome: ReferralOutcome | None
    closed_at: datetime | None


def is_closed(referral: Closable) -> bool:
    return ReferralStatus(referral.status) in CLOSED


async def close(
    *,
    session: AsyncSession,
    referral: Closable,
    force: BarPolicy,
    outcome: ReferralOutcome,
    at: datetime,
    recorded_at: datetime | None = None,
) -> Bar | None:
    """Close the referral once; a second close of a closed referral changes nothing.

    `at` is when the referral closed (the event's time); `recorded_at` when this runs (now,
    unless a test holds the clock). Returns the bar set by non-engagement, if any.
    """
    if is_closed(referral):
        return None
    referral.status = ReferralStatus(outcome.value)
    referral.outcome = outcome
    referral.closed_at = at
    bar: Bar | None = None
    if outcome is ReferralOutcome.not_engaged:
        expires = None if force.bar_months is None else add_months(at, force.bar_months)
        bar = Bar(
            force_id=force.id,
            person_key=referral.person_key,
            referral_id=referral.id,
            barred_at=at,
            expires_at=expires,
        )
        session.add(bar)
    entry = OutcomeEntry(
        id=uuid.uuid4(),
        referral_id=referral.id,
        reference=referral.reference,
        force_id=referral.force_id,
        outcome=outcome,
        closed_at=at,
        # the community resolution stands whether or not the person engaged
        suggested_outcome_code=(
            None if outcome is ReferralOutcome.withdrawn else referral.suggested_outcome_code
        ),
        bar_expires_at=bar.expires_at if bar else None,
        barred_indefinitely=bar is not None and bar.expires_at is None,
        recorded_at=recorded_at or datetime.now(UTC),
    )
    session.add(entry)
    await session.flush()
    await add_event(
        session,
        kit,
        new_event(
            ReferralClosed(
                referral_id=referral.id,
                outcome=outcome,
                closed_at=at,
                suggested_outcome_code=entry.suggested_outcome_code,
                bar_expires_at=entry.bar_expires_at,
                barred_indefinitely=entry.barred_indefinitely,
            ),
            source=SOURCE,
            subject=str(referral.id),
            forceid=referral.force_id,
        ),
    )
    await webhook_service.enqueue(
        session=session,
        force_id=referral.force_id,
        entry_id=entry.id,
        referral_id=referral.id,
        body=webhook_body(OutcomeOut.of(entry)),
        at=entry.recorded_at,
    )
    return bar
