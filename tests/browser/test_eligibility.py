"""Eligibility on the phone: explained as the officer answers, and the same as the server's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from portal_driver import (
    ANSWERS_ELIGIBLE,
    Person,
    Portal,
    agree,
    answer,
    capture,
    continue_,
    fill_contact,
    fill_encounter,
    fill_person,
    fill_substances,
    heading,
    open_portal,
    sign_in,
    years_ago,
)

pytestmark = pytest.mark.browser

VECTORS = (
    Path(__file__).resolve().parents[2]
    / "services"
    / "referral-api"
    / "tests"
    / "eligibility_vectors.json"
)


def to_eligibility(page: Any, person: Person) -> None:
    page.get_by_role("link", name="Start a new referral").click()
    fill_person(page, person)
    continue_(page)
    fill_contact(page, person)
    continue_(page)
    fill_encounter(page)
    continue_(page)
    fill_substances(page)
    continue_(page)
    heading(page, "Eligibility")


def test_an_ineligible_person_is_told_why_before_anything_is_submitted(
    page: Any, portal: Portal
) -> None:
    open_portal(page, portal)
    sign_in(page)
    to_eligibility(page, Person(family_name="Supplier"))
    decision = page.locator("#decision")

    answer(page, {"Is the drug for the person's own use only?": "Yes"})
    assert "Eligible so far" in decision.inner_text()
    # the answer is explained at once, beside the question and in the decision
    answer(page, {"Are there any indicators of supply?": "Yes"})
    supply = page.locator("[data-field='answers.supply_indicators']")
    assert "Not eligible: indicators of supply" in supply.inner_text()
    assert "Not eligible for diversion" in decision.inner_text()
    assert "Not eligible: indicators of supply" in decision.inner_text()
    assert decision.get_attribute("role") == "status"
    answer(page, {"Is there another offence at this encounter that needs an arrest?": "No"})
    capture(page, "30-not-eligible")

    # the referral cannot go further: no Continue, only the end of it
    assert page.locator("#continue").count() == 0
    assert page.get_by_role("button", name="End the referral").is_visible()
    assert "Not eligible: indicators of supply" in decision.inner_text()
    heading(page, "Eligibility")
    capture(page, "31-not-eligible-blocked")

    # changing the answer makes the person eligible again
    answer(page, {"Are there any indicators of supply?": "No"})
    assert "Meets the scheme" in supply.inner_text()
    continue_(page)
    heading(page, "Agreement and consent")
    # refusing to engage is explained too
    page.get_by_role(
        "group", name="Does the person agree to engage with the drug intervention?"
    ).get_by_label("No", exact=True).check()
    assert (
        "Not eligible: the person does not agree to engage"
        in page.locator("#decision").inner_text()
    )
    assert portal.referral_count() == 0


def test_the_age_limit_is_explained_from_the_date_of_birth(page: Any, portal: Portal) -> None:
    open_portal(page, portal)
    sign_in(page)
    # 18 tomorrow: still 17 on the day of the encounter
    to_eligibility(page, Person(family_name="Young", date_of_birth=years_ago(18, -1)))
    assert (
        "Not eligible: the scheme is for people aged 18 and over"
        in page.locator("main").inner_text()
    )
    answer(page, ANSWERS_ELIGIBLE)
    assert "Not eligible for diversion" in page.locator("#decision").inner_text()
    assert page.locator("#continue").count() == 0
    page.get_by_role("button", name="End the referral").wait_for()
    capture(page, "32-too-young")


def test_the_phone_and_the_server_evaluate_the_shared_vectors_alike(
    page: Any, portal: Portal
) -> None:
    """pwa/js/eligibility.js gives the expected decision for every shared vector.

    The Python evaluate() is held to the same vectors by test_eligibility_vectors.py.
    """
    document = json.loads(VECTORS.read_text())
    open_portal(page, portal)
    decisions = page.evaluate(
        """async ({ rule_sets, vectors }) => {
          const { evaluate } = await import('/js/eligibility.js');
          return vectors.map(({ rule_set, input }) => evaluate(rule_sets[rule_set], {
            dateOfBirth: input.date_of_birth,
            encounterDate: input.encounter_date,
            answers: input.answers,
            barredUntil: input.barred_until,
            barredIndefinitely: input.barred_indefinitely,
          }));
        }""",
        document,
    )
    assert len(decisions) == len(document["vectors"]) >= 20
    for vector, decision in zip(document["vectors"], decisions, strict=True):
        assert decision == vector["expected"], vector["description"]


def test_the_rule_set_comes_from_the_server(page: Any, portal: Portal) -> None:
    """The questions asked are the force's current rule set, not a copy in the app."""
    served = portal.api("GET", "/v1/eligibility-rule-sets/current").json()
    open_portal(page, portal)
    sign_in(page)
    to_eligibility(page, Person())
    legends = page.locator("fieldset legend").all_inner_texts()
    asked_here = [
        q["text"]
        for q in served["questions"]
        if q["id"] not in {"agrees_to_engage", "consents_to_share_contact"}
    ]
    assert legends == asked_here
    # the version is named where the referral is checked before it is sent
    answer(page, ANSWERS_ELIGIBLE)
    continue_(page)
    agree(page)
    continue_(page)
    heading(page, "Check and submit")
    assert served["version"] in page.locator("main").inner_text()
