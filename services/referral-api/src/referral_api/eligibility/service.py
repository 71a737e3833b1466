"""Deciding eligibility: the force's active rule set, the person's bar, the officer's answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.eligibility import repository as rule_set_repository
from referral_api.eligibility.rules import Decision, RuleSet, evaluate
from referral_api.exceptions import force_not_configured, unknown_answers
from referral_api.outcomes.models import Bar


async def bar_on(
    *, session: AsyncSession, force_id: str, person_key: str, on: datetime
) -> tuple[date | None, bool]:
    """(barred until, barred for ever) for the person on that day; (None, False) when free."""
    bars = (
        await session.scalars(
            select(Bar).where(Bar.force_id == force_id, Bar.person_key == person_key)
        )
    ).all()
    active = [b for b in bars if b.expires_at is None or b.expires_at > on]
    if not active:
        return None, False
    if any(b.expires_at is None for b in active):
        return None, True
    latest = max(b.expires_at for b in active if b.expires_at is not None)
    return latest.date(), False


async def rule_set_for(*, session: AsyncSession, force_id: str) -> RuleSet:
    rule_set = await rule_set_repository.active(session=session, force_id=force_id)
    if rule_set is None:
        raise force_not_configured(force_id)
    return rule_set


def check_answers_known(rule_set: RuleSet, answers: dict[str, bool | None], field: str) -> None:
    known = {q.id for q in rule_set.questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise unknown_answers(unknown, field=field, known=sorted(known))


async def decide(
    *,
    session: AsyncSession,
    rule_set: RuleSet,
    person_key: str,
    date_of_birth: date,
    encounter_at: datetime,
    answers: dict[str, bool | None],
) -> Decision:
    barred_until, for_ever = await bar_on(
        session=session, force_id=rule_set.force_id, person_key=person_key, on=encounter_at
    )
    return evaluate(
        rule_set,
        date_of_birth=date_of_birth,
        encounter_date=encounter_at.date(),
        answers=answers,
        barred_until=barred_until,
        barred_indefinitely=for_ever,
    )


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)
