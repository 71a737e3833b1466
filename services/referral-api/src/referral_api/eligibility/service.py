"""Deciding eligibility: the force's active rule set, the person's bar, the officer's answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from referral_api.days import local_day
from referral_api.eligibility.rules import Decision, RuleSet, age_on, evaluate
from referral_api.exceptions import invalid_field, unknown_answers
from referral_api.people.repository import PersonHistory

MAX_AGE_YEARS = 120


def check_birth_date(date_of_birth: date, encounter_day: date, *, field: str) -> int:
    if date_of_birth > encounter_day:
        raise invalid_field(field, "is after the encounter")
    age = age_on(date_of_birth, encounter_day)
    if age > MAX_AGE_YEARS:
        raise invalid_field(field, f"gives an age over {MAX_AGE_YEARS}; check the year")
    return age


def check_answers_known(rule_set: RuleSet, answers: dict[str, bool | None], field: str) -> None:
    known = {q.id for q in rule_set.questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise unknown_answers(unknown, field=field, known=sorted(known))


def decide(
    *,
    rule_set: RuleSet,
    history: PersonHistory,
    date_of_birth: date,
    encounter_at: datetime,
    answers: dict[str, bool | None],
) -> Decision:
    return evaluate(
        rule_set,
        date_of_birth=date_of_birth,
        encounter_date=local_day(encounter_at),
        answers=answers,
        barred_until=history.barred_until,
        barred_indefinitely=history.barred_for_ever,
    )


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)
