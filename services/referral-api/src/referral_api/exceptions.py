"""The problems referral-api raises, each with a message an officer or integrator can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from servicekit.problems import Problem

if TYPE_CHECKING:
    from referral_api.eligibility.rules import RuleSet


def force_not_configured(force_id: str) -> Problem:
    return Problem(
        403,
        "force-not-configured",
        "Your force is not set up for diversion",
        f"Force {force_id!r} has no diversion scheme configured here. Ask your administrator.",
    )


def unknown_answers(unknown: list[str], *, field: str, known: list[str]) -> Problem:
    return Problem(
        422,
        "validation",
        "Some answers need correcting",
        f"Unknown eligibility question(s): {', '.join(unknown)}. Known: {', '.join(known)}.",
        errors=[
            {"field": f"{field}.{name}", "message": "is not a question of your force's rule set"}
            for name in unknown
        ],
    )


def invalid_field(field: str, message: str) -> Problem:
    return Problem(
        422,
        "validation",
        "Some answers need correcting",
        f"Please correct: {field}.",
        errors=[{"field": field, "message": message}],
    )


def referral_not_found() -> Problem:
    return Problem(
        404,
        "referral-not-found",
        "Referral not found",
        "There is no referral with that id that you can see.",
    )


def not_eligible(reasons: list[str], not_before: str | None, rule_set_version: str) -> Problem:
    detail = "; ".join(reasons) if reasons else "not eligible"
    extra: dict[str, object] = {"reasons": reasons, "rule_set_version": rule_set_version}
    if not_before:
        extra["not_before"] = not_before
    return Problem(
        422,
        "not-eligible",
        "Not eligible for diversion",
        detail[:1].upper() + detail[1:] + ".",
        extra=extra,
    )


def referral_closed(status: str) -> Problem:
    return Problem(
        409,
        "referral-closed",
        "Referral already closed",
        f"This referral is {status.replace('_', ' ')} and can no longer be withdrawn.",
    )


def unanswered_questions(rule_set: RuleSet, answers: dict[str, bool | None]) -> Problem:
    missing = [q for q in rule_set.questions if answers.get(q.id) is None]
    return Problem(
        422,
        "validation",
        "Some answers need correcting",
        "Answer every eligibility question: " + " ".join(q.text for q in missing),
        errors=[{"field": f"answers.{q.id}", "message": f"answer: {q.text}"} for q in missing],
    )
