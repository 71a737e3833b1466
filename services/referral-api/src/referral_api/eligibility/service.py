"""Deciding eligibility: the force's active rule set, the person's bar, the officer's answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from referral_api.days import local_day
from referral_api.eligibility.rules import Decision, RuleSet, evaluate
from referral_api.exceptions import unknown_answers
from referral_api.people.repository import PersonHistory


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
