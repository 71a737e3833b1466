"""Queries about a person, by their keyed hash: never by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import ReferralStatus
from referral_api.outcomes.models import Bar
from referral_api.referrals.models import Referral


@dataclass(frozen=True)
class PersonHistory:
    """What the force's records say about a person on a day, without naming them."""

    barred_until: date | None
    barred_for_ever: bool
    referred_before: bool


async def history_on(
    *, session: AsyncSession, force_id: str, person_key: str, on: datetime
) -> PersonHistory:
    """The person's bar and earlier referrals, in one query."""
    bars = select(Bar).where(Bar.force_id == force_id, Bar.person_key == person_key)
    row = (
        await session.execute(
            select(
                select(func.max(Bar.expires_at))
                .where(Bar.force_id == force_id, Bar.person_key == person_key, Bar.expires_at > on)
                .scalar_subquery(),
                exists(bars.where(Bar.expires_at.is_(None))),
                exists().where(
                    Referral.force_id == force_id,
                    Referral.person_key == person_key,
                    Referral.status != ReferralStatus.withdrawn.value,
                ),
            )
        )
    ).one()
    until, for_ever, referred = row
    if until is not None and until.tzinfo is None:  # SQLite returns the max without its zone
        until = until.replace(tzinfo=UTC)
    return PersonHistory(
        barred_until=None if until is None else until.date(),
        barred_for_ever=bool(for_ever),
        referred_before=bool(referred),
    )
