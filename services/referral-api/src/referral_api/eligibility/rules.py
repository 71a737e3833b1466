"""The eligibility rule set: declarative, versioned per force, and explaining every answer.

A rule set is data (JSON), so the officers' portal evaluates exactly the same rules on the phone
as the server does here. The evaluation is pure: identity, answers and the bar in; a decision
with one result per rule out. Keep `pwa/js/eligibility.js` in step with this module: both run
the shared test vectors in `tests/eligibility_vectors.json`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    text: str
    help: str | None = None


class AnswerRule(BaseModel):
    """Passes when the answer to `question` equals `expected`."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["answer"] = "answer"
    id: str
    question: str
    expected: bool
    reason: str = Field(description="Shown when the rule fails, e.g. 'indicators of supply'.")


class AgeRule(BaseModel):
    """Passes when the person's age on the day of the encounter is within the limits."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["age"] = "age"
    id: str
    min_years: int | None = None
    max_years: int | None = None
    reason: str


class BarRule(BaseModel):
    """Passes unless the person is barred on the day of the encounter.

    It has no reason to show: the officer is told only "not eligible until DATE", or "not
    eligible" for a bar for ever, never the person's history. A stored rule set whose bar rule
    still carries a `reason` loads, and the reason is ignored.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["bar"] = "bar"
    id: str


Rule = Annotated[AnswerRule | AgeRule | BarRule, Field(discriminator="kind")]


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True)

    force_id: str
    version: str
    questions: list[Question]
    rules: list[Rule]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


# What an eligibility decision comes to. Not the referral's outcome (completed, not engaged,
# withdrawn: `ReferralOutcome`) nor the Home Office outcome code (`suggested_outcome_code`). A
# comment, not a docstring: the docstring would become the OpenAPI schema's description.
class Verdict(StrEnum):
    eligible = "eligible"
    not_eligible = "not_eligible"
    incomplete = "incomplete"


class RuleResult(BaseModel):
    rule: str
    status: Literal["pass", "fail", "unanswered"]
    explanation: str | None = Field(
        default=None,
        description="Why the rule failed, or the question still to answer. A bar gives only "
        "its end ('until 2027-03-01'), or nothing for a bar for ever.",
    )


class Decision(BaseModel):
    outcome: Verdict
    eligible: bool
    reasons: list[str] = Field(
        description="Why not eligible, or what is still to answer. A barred person gets only "
        "'not eligible until 2027-03-01', or 'not eligible' for a bar for ever."
    )
    results: list[RuleResult]
    not_before: date | None = Field(
        default=None, description="When a barred person may be referred."
    )
    rule_set_version: str


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years on `day`; a 29 February birthday counts from 1 March in other years."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def evaluate(
    rule_set: RuleSet,
    *,
    date_of_birth: date,
    encounter_date: date,
    answers: dict[str, bool | None],
    barred_until: date | None,
    barred_indefinitely: bool = False,
) -> Decision:
    """Apply every rule; the person is eligible only when every rule passes."""
    results: list[RuleResult] = []
    reasons: list[str] = []
    for rule in rule_set.rules:
        if isinstance(rule, AnswerRule):
            answer = answers.get(rule.question)
            if answer is None:
                question = rule_set.question(rule.question)
                text = question.text if question else rule.question
                results.append(RuleResult(rule=rule.id, status="unanswered", explanation=text))
            elif answer == rule.expected:
                results.append(RuleResult(rule=rule.id, status="pass"))
            else:
                results.append(RuleResult(rule=rule.id, status="fail", explanation=rule.reason))
        elif isinstance(rule, AgeRule):
            age = age_on(date_of_birth, encounter_date)
            too_young = rule.min_years is not None and age < rule.min_years
            too_old = rule.max_years is not None and age > rule.max_years
            if too_young or too_old:
                results.append(RuleResult(rule=rule.id, status="fail", explanation=rule.reason))
            else:
                results.append(RuleResult(rule=rule.id, status="pass"))
        else:
            if barred_indefinitely:
                results.append(RuleResult(rule=rule.id, status="fail"))
            elif barred_until is not None and barred_until > encounter_date:
                explanation = f"until {barred_until.isoformat()}"
                results.append(RuleResult(rule=rule.id, status="fail", explanation=explanation))
            else:
                results.append(RuleResult(rule=rule.id, status="pass"))
    failed = [
        (r, isinstance(rule, BarRule))
        for r, rule in zip(results, rule_set.rules, strict=True)
        if r.status == "fail"
    ]
    unanswered = [r for r in results if r.status == "unanswered"]
    if failed:
        outcome = Verdict.not_eligible
        reasons = [_bar_reason(r) if bar else f"not eligible: {r.explanation}" for r, bar in failed]
    elif unanswered:
        outcome = Verdict.incomplete
        reasons = [f"still to answer: {r.explanation}" for r in unanswered]
    else:
        outcome = Verdict.eligible
    barred = any(bar for _, bar in failed)
    return Decision(
        outcome=outcome,
        eligible=outcome is Verdict.eligible,
        reasons=reasons,
        results=results,
        not_before=barred_until if barred and not barred_indefinitely else None,
        rule_set_version=rule_set.version,
    )


def _bar_reason(result: RuleResult) -> str:
    """'not eligible until DATE', or 'not eligible' for a bar for ever: nothing more."""
    return f"not eligible {result.explanation}" if result.explanation else "not eligible"


def default_rule_set(force_id: str, version: str, *, min_years: int = 18) -> RuleSet:
    """The typical adult scheme: personal use, no supply, no other offence, age, agreement, bar."""
    return RuleSet(
        force_id=force_id,
        version=version,
        questions=[
            Question(
                id="personal_use_only",
                text="Is the drug for the person's own use only?",
                help="Quantity and packaging consistent with personal use.",
            ),
            Question(
                id="supply_indicators",
                text="Are there any indicators of supply?",
                help="Deal bags, scales, large amounts of cash, several phones, messages.",
            ),
            Question(
                id="other_offence_needs_arrest",
                text="Is there another offence at this encounter that needs an arrest?",
            ),
            Question(
                id="agrees_to_engage",
                text="Does the person agree to engage with the drug intervention?",
            ),
            Question(
                id="consents_to_share_contact",
                text="Does the person agree to their contact details being shared with the "
                "drug service?",
            ),
        ],
        rules=[
            AnswerRule(
                id="personal_use",
                question="personal_use_only",
                expected=True,
                reason="possession is not for personal use only",
            ),
            AnswerRule(
                id="no_supply",
                question="supply_indicators",
                expected=False,
                reason="indicators of supply",
            ),
            AnswerRule(
                id="no_other_offence",
                question="other_offence_needs_arrest",
                expected=False,
                reason="another offence at the encounter needs an arrest",
            ),
            AgeRule(
                id="age",
                min_years=min_years,
                reason=f"the scheme is for people aged {min_years} and over",
            ),
            AnswerRule(
                id="agrees",
                question="agrees_to_engage",
                expected=True,
                reason="the person does not agree to engage",
            ),
            AnswerRule(
                id="consent_to_share",
                question="consents_to_share_contact",
                expected=True,
                reason="the person does not agree to share contact details with the drug service",
            ),
            BarRule(id="not_barred"),
        ],
    )
