"""Each eligibility rule and its explanation, table-driven, on the demonstration rule set."""

from __future__ import annotations

from datetime import date

import pytest

from referral_api.eligibility.rules import (
    AgeRule,
    Decision,
    RuleResult,
    RuleSet,
    Verdict,
    age_on,
    default_rule_set,
    evaluate,
)

RULES = default_rule_set("demo", "demo-test")
ENCOUNTER = date(2026, 11, 26)
ADULT = date(1998, 4, 12)
ALL_YES = {
    "personal_use_only": True,
    "supply_indicators": False,
    "other_offence_needs_arrest": False,
    "agrees_to_engage": True,
    "consents_to_share_contact": True,
}


def decide(
    answers: dict[str, bool | None],
    *,
    date_of_birth: date = ADULT,
    barred_until: date | None = None,
    barred_indefinitely: bool = False,
) -> Decision:
    return evaluate(
        RULES,
        answers=answers,
        date_of_birth=date_of_birth,
        encounter_date=ENCOUNTER,
        barred_until=barred_until,
        barred_indefinitely=barred_indefinitely,
    )


def test_everything_in_order_is_eligible() -> None:
    decision = decide(ALL_YES)
    assert decision.outcome is Verdict.eligible
    assert decision.eligible and decision.reasons == []
    assert {r.status for r in decision.results} == {"pass"}
    assert decision.rule_set_version == "demo-test"


@pytest.mark.parametrize(
    ("question", "answer", "rule", "reason"),
    [
        (
            "personal_use_only",
            False,
            "personal_use",
            "not eligible: possession is not for personal use only",
        ),
        ("supply_indicators", True, "no_supply", "not eligible: indicators of supply"),
        (
            "other_offence_needs_arrest",
            True,
            "no_other_offence",
            "not eligible: another offence at the encounter needs an arrest",
        ),
        ("agrees_to_engage", False, "agrees", "not eligible: the person does not agree to engage"),
        (
            "consents_to_share_contact",
            False,
            "consent_to_share",
            "not eligible: the person does not agree to share contact details with the drug "
            "service",
        ),
    ],
)
def test_each_answer_rule_explains_itself(
    question: str, answer: bool, rule: str, reason: str
) -> None:
    decision = decide(ALL_YES | {question: answer})
    assert decision.outcome is Verdict.not_eligible
    assert decision.reasons == [reason]
    failed = [r.rule for r in decision.results if r.status == "fail"]
    assert failed == [rule]


@pytest.mark.parametrize(
    ("date_of_birth", "eligible"),
    [
        (date(2008, 11, 26), True),  # 18 today
        (date(2008, 11, 27), False),  # 18 tomorrow
        (date(1926, 11, 26), True),  # 100: no upper limit for adults
    ],
)
def test_age_rule_on_the_day_of_the_encounter(date_of_birth: date, eligible: bool) -> None:
    decision = decide(ALL_YES, date_of_birth=date_of_birth)
    assert decision.eligible is eligible
    if not eligible:
        assert decision.reasons == ["not eligible: the scheme is for people aged 18 and over"]


def test_youth_pathway_limits_both_ways() -> None:
    youth = RuleSet(
        force_id="y",
        version="youth-1",
        questions=[],
        rules=[AgeRule(id="age", min_years=10, max_years=17, reason="the youth scheme is 10-17")],
    )

    def eligible(born: date) -> bool:
        return evaluate(
            youth, date_of_birth=born, encounter_date=ENCOUNTER, answers={}, barred_until=None
        ).eligible

    assert eligible(date(2010, 1, 1))
    assert not eligible(date(2000, 1, 1))  # too old for the youth scheme
    assert not eligible(date(2020, 1, 1))  # under the age of criminal responsibility


@pytest.mark.parametrize(
    ("born", "on", "years"),
    [
        (date(2000, 2, 29), date(2018, 2, 28), 17),
        (date(2000, 2, 29), date(2018, 3, 1), 18),
        (date(2000, 2, 29), date(2020, 2, 29), 20),
        (date(1990, 12, 31), date(2026, 1, 1), 35),
    ],
)
def test_age_counts_whole_years(born: date, on: date, years: int) -> None:
    assert age_on(born, on) == years


def bar_result(decision: Decision) -> RuleResult:
    return next(r for r in decision.results if r.rule == "not_barred")


def test_bar_gives_the_date_and_nothing_else() -> None:
    decision = decide(ALL_YES, barred_until=date(2027, 3, 1))
    assert decision.outcome is Verdict.not_eligible
    assert decision.not_before == date(2027, 3, 1)
    assert decision.reasons == ["not eligible until 2027-03-01"]
    assert bar_result(decision) == RuleResult(
        rule="not_barred", status="fail", explanation="until 2027-03-01"
    )


def test_bar_ending_on_or_before_the_encounter_does_not_apply() -> None:
    assert decide(ALL_YES, barred_until=ENCOUNTER).eligible


def test_bar_for_ever_has_no_date() -> None:
    decision = decide(ALL_YES, barred_indefinitely=True)
    assert not decision.eligible and decision.not_before is None
    assert decision.reasons == ["not eligible"]
    assert bar_result(decision) == RuleResult(rule="not_barred", status="fail", explanation=None)


def test_a_barred_person_with_other_failures_gets_each_reason() -> None:
    decision = decide(ALL_YES | {"supply_indicators": True}, barred_until=date(2027, 3, 1))
    assert decision.reasons == [
        "not eligible: indicators of supply",
        "not eligible until 2027-03-01",
    ]


# Words that would tell the officer what happened to the person before.
HISTORY_WORDS = ("engage", "earlier", "referr", "history", "before", "previous", "again")


@pytest.mark.parametrize(
    ("barred_until", "barred_indefinitely"),
    [(date(2027, 3, 1), False), (None, True), (date(2027, 3, 1), True)],
)
def test_a_bar_never_tells_the_officer_the_persons_history(
    barred_until: date | None, barred_indefinitely: bool
) -> None:
    decision = decide(ALL_YES, barred_until=barred_until, barred_indefinitely=barred_indefinitely)
    shown = [*decision.reasons, *(r.explanation or "" for r in decision.results)]
    for text in shown:
        for word in HISTORY_WORDS:
            assert word not in text.lower(), (word, text)


def test_a_stored_rule_set_whose_bar_still_has_a_reason_loads_and_ignores_it() -> None:
    document = RULES.model_dump(mode="json")
    bar = next(rule for rule in document["rules"] if rule["kind"] == "bar")
    bar["reason"] = "did not engage with an earlier referral"
    stored = RuleSet.model_validate(document)
    assert stored == RULES
    # nor is it served to the phone
    assert "reason" not in next(r for r in stored.model_dump()["rules"] if r["kind"] == "bar")
    decision = evaluate(
        stored,
        answers=ALL_YES,
        date_of_birth=ADULT,
        encounter_date=ENCOUNTER,
        barred_until=date(2027, 3, 1),
    )
    assert decision.reasons == ["not eligible until 2027-03-01"]


def test_unanswered_questions_are_listed_not_failed() -> None:
    decision = decide({"personal_use_only": True})
    assert decision.outcome is Verdict.incomplete
    assert not decision.eligible
    assert len(decision.reasons) == 4
    assert all(r.startswith("still to answer: ") for r in decision.reasons)


def test_a_failure_outranks_unanswered_questions() -> None:
    decision = decide({"supply_indicators": True})
    assert decision.outcome is Verdict.not_eligible
    assert decision.reasons == ["not eligible: indicators of supply"]


def test_several_failures_are_all_explained() -> None:
    decision = decide(
        ALL_YES | {"supply_indicators": True, "agrees_to_engage": False},
        date_of_birth=date(2012, 1, 1),
    )
    assert decision.reasons == [
        "not eligible: indicators of supply",
        "not eligible: the scheme is for people aged 18 and over",
        "not eligible: the person does not agree to engage",
    ]


def test_rule_set_round_trips_as_json_for_the_phone() -> None:
    again = RuleSet.model_validate_json(RULES.model_dump_json())
    assert again == RULES
