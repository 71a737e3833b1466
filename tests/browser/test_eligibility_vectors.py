"""The server's eligibility evaluate() gives the expected decision for every shared vector.

The same vectors run through pwa/js/eligibility.js in the browser
(test_eligibility.py::test_the_phone_and_the_server_evaluate_the_shared_vectors_alike), so the
phone and the server cannot drift apart. Needs no browser.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from referral_api.eligibility.rules import RuleSet, evaluate

VECTORS_PATH = (
    Path(__file__).resolve().parents[2]
    / "services"
    / "referral-api"
    / "tests"
    / "eligibility_vectors.json"
)
DOCUMENT = json.loads(VECTORS_PATH.read_text())


def _optional_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@pytest.mark.parametrize(
    "vector", DOCUMENT["vectors"], ids=[v["description"] for v in DOCUMENT["vectors"]]
)
def test_python_evaluate_matches_the_vector(vector: dict[str, Any]) -> None:
    rule_set = RuleSet.model_validate(DOCUMENT["rule_sets"][vector["rule_set"]])
    given = vector["input"]
    decision = evaluate(
        rule_set,
        date_of_birth=date.fromisoformat(given["date_of_birth"]),
        encounter_date=date.fromisoformat(given["encounter_date"]),
        answers=given["answers"],
        barred_until=_optional_date(given["barred_until"]),
        barred_indefinitely=given["barred_indefinitely"],
    )
    assert decision.model_dump(mode="json") == vector["expected"]


def test_the_vectors_cover_every_kind_of_rule_and_outcome() -> None:
    kinds = {
        rule["kind"] for rule_set in DOCUMENT["rule_sets"].values() for rule in rule_set["rules"]
    }
    outcomes = {v["expected"]["outcome"] for v in DOCUMENT["vectors"]}
    assert kinds == {"answer", "age", "bar"}
    assert outcomes == {"eligible", "not_eligible", "incomplete"}
    assert any(v["expected"]["not_before"] for v in DOCUMENT["vectors"])


def test_a_bar_is_explained_by_its_date_alone() -> None:
    """The officer sees "not eligible until DATE" or "not eligible": never the history."""
    bars = [
        rule
        for rule_set in DOCUMENT["rule_sets"].values()
        for rule in rule_set["rules"]
        if rule["kind"] == "bar"
    ]
    assert any("reason" in rule for rule in bars)  # a stored rule set may still carry one
    bar_ids = {rule["id"] for rule in bars}
    barred = [
        v
        for v in DOCUMENT["vectors"]
        if any(r["rule"] in bar_ids and r["status"] == "fail" for r in v["expected"]["results"])
    ]
    assert any(v["input"]["barred_indefinitely"] for v in barred)
    assert any(not v["input"]["barred_indefinitely"] for v in barred)
    for vector in barred:
        expected = vector["expected"]
        for result in expected["results"]:
            if result["rule"] in bar_ids:
                until = vector["input"]["barred_until"]
                forever = vector["input"]["barred_indefinitely"]
                shown = "not eligible" if forever else f"not eligible until {until}"
                assert result["explanation"] == (None if forever else f"until {until}")
                assert shown in expected["reasons"]
        for reason in expected["reasons"]:
            assert not any(w in reason for w in ("engage", "earlier", "referr", "history"))
