"""Queries about a person, by their keyed hash: never by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, String, and_, bindparam, column, exists, func, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabulary import ReferralStatus
from referral_api.days import local_day
from referral_api.outcomes.models import Bar
from servicekit.db import UTCDateTime

# A person's history spans their bars and their earlier referrals. The referrals domain builds on
# this one (it keys the person and asks for their history), so this query names only the three
# columns of the referrals table it reads rather than importing the referral code.
_REFERRALS = table(
    "referrals",
    column("force_id", String()),
    column("person_key", String()),
    column("status", String()),
)


@dataclass(frozen=True)
class PersonHistory:
    """What the force's records say about a person on a day, without naming them."""

    barred_until: date | None
    barred_for_ever: bool
    referred_before: bool


def _history_query() -> Select[datetime | None, bool, bool]:
    bars = Bar.__table__.c
    referrals = _REFERRALS.c
    force_id = bindparam("force_id", type_=String())
    person_key = bindparam("person_key", type_=String())
    on = bindparam("on", type_=UTCDateTime())
    this_person = and_(bars.force_id == force_id, bars.person_key == person_key)
    return select(
        select(func.max(bars.expires_at))
        .where(this_person, bars.expires_at > on)
        .scalar_subquery(),
        exists().where(this_person, bars.expires_at.is_(None)),
        exists().where(
            referrals.force_id == force_id,
            referrals.person_key == person_key,
            referrals.status != ReferralStatus.withdrawn,
        ),
    )


# built once: the query's shape never changes, only its parameters
_HISTORY = _history_query()


async def history_on(
    *, session: AsyncSession, force_id: str, person_key: str, on: datetime
) -> PersonHistory:
    """The person's bar and earlier referrals, in one query."""
    row = (
        await session.execute(_HISTORY, {"force_id": force_id, "person_key": person_key, "on": on})
    ).one()
    until, for_ever, referred = row
    if until is not None and until.tzinfo is None:  # SQLite returns the max without its zone
        until = until.replace(tzinfo=UTC)
    return PersonHistory(
        barred_until=None if until is None else local_day(until),
        barred_for_ever=bool(for_ever),
        referred_before=bool(referred),
    )
