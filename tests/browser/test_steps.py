"""The steps as the officer meets them: an honest end when the person is not eligible, no step
reached before the ones it depends on, dates of birth as people say them, and words, not codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from portal_driver import (
    ANSWERS_ELIGIBLE,
    PHONE,
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
    radio,
    sign_in,
)

pytestmark = pytest.mark.browser


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


def draft(page: Any) -> Any:
    return json.loads(page.evaluate("sessionStorage.getItem('diversion.draft') || 'null'"))


def test_not_eligible_says_so_and_ends_the_referral(page: Any, portal: Portal) -> None:
    assert page.viewport_size == PHONE
    open_portal(page, portal)
    sign_in(page)
    to_eligibility(page, Person(family_name="Supplier"))
    answer(page, {**ANSWERS_ELIGIBLE, "Are there any indicators of supply?": "Yes"})
    decision = page.locator("#decision")
    assert "Not eligible for diversion" in decision.inner_text()
    assert "Not eligible: indicators of supply" in decision.inner_text()
    # no Continue to press again and again: ending the referral is what is offered
    assert page.locator("#continue").count() == 0
    end = page.get_by_role("button", name="End the referral")
    assert end.is_visible()
    capture(page, "50-not-eligible")

    # a wrong answer can still be corrected: Continue comes back with eligibility
    answer(page, {"Are there any indicators of supply?": "No"})
    assert page.locator("#continue").is_visible()
    assert page.get_by_role("button", name="End the referral").count() == 0
    answer(page, {"Are there any indicators of supply?": "Yes"})

    end.click()
    heading(page, "Referrals")
    notice = page.get_by_role("status").filter(has_text="referral was ended")
    assert "Nothing was sent" in notice.inner_text()
    assert "Supplier" not in page.locator("main").inner_text()
    assert draft(page) is None
    capture(page, "51-referral-ended")
    assert portal.referral_count() == 0


def test_a_person_who_does_not_agree_ends_the_referral_too(page: Any, portal: Portal) -> None:
    open_portal(page, portal)
    sign_in(page)
    to_eligibility(page, Person(family_name="Declines"))
    answer(page, ANSWERS_ELIGIBLE)
    continue_(page)
    heading(page, "Agreement and consent")
    radio(page, "Does the person agree to engage with the drug intervention?", "No")
    radio(
        page,
        "Does the person agree to their contact details being shared with the drug service?",
        "Yes",
    )
    assert "does not agree to engage" in page.locator("#decision").inner_text()
    assert page.locator("#continue").count() == 0
    capture(page, "52-does-not-agree")
    page.get_by_role("button", name="End the referral").click()
    heading(page, "Referrals")
    assert draft(page) is None


def test_a_deep_link_goes_to_the_first_unfinished_step(page: Any, portal: Portal) -> None:
    open_portal(page, portal)
    sign_in(page)
    page.get_by_role("link", name="Start a new referral").click()
    heading(page, "The person")

    page.evaluate("location.hash = '#/new/eligibility'")
    heading(page, "The person")
    assert page.evaluate("location.hash") == "#/new/person"
    # nothing said of an age not yet given
    assert "within the scheme" not in page.locator("main").inner_text()

    person = Person(family_name="Linked")
    fill_person(page, person)
    continue_(page)
    heading(page, "Contact and needs")
    page.evaluate("location.hash = '#/new/review'")
    heading(page, "Contact and needs")
    fill_contact(page, person)
    continue_(page)
    heading(page, "The encounter")

    # a later step reloaded with no draft in the tab starts from the beginning too
    page.evaluate("sessionStorage.removeItem('diversion.draft')")
    page.evaluate("history.replaceState(null, '', '#/new/agreement')")
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    heading(page, "The person")

    # steps already done stay reachable
    fill_person(page, person)
    continue_(page)
    heading(page, "Contact and needs")
    page.evaluate("location.hash = '#/new/person'")
    heading(page, "The person")


def test_the_date_of_birth_is_asked_as_day_month_and_year(page: Any, portal: Portal) -> None:
    open_portal(page, portal)
    sign_in(page)
    page.get_by_role("link", name="Start a new referral").click()
    heading(page, "The person")
    group = page.get_by_role("group", name="Date of birth")
    assert "For example, 27 3 2007" in group.inner_text()
    inputs = group.locator("input")
    assert inputs.count() == 3
    for index, label in enumerate(["Day", "Month", "Year"]):
        field = inputs.nth(index)
        assert field.get_attribute("inputmode") == "numeric"
        assert field.get_attribute("type") == "text"
        assert field.evaluate("(el) => el.labels[0].textContent.trim()") == label
    hint_id = page.locator("#f-person-date-of-birth-hint").get_attribute("id")
    assert hint_id in (group.get_attribute("aria-describedby") or "")

    # each wrong date is named for what is wrong with it
    for day, month, year, message in [
        ("", "", "", "Enter their date of birth"),
        ("27", "", "2001", "Date of birth must include a month"),
        ("31", "2", "2001", "Date of birth must be a real date"),
        ("27", "3", "01", "Year must include 4 numbers"),
        ("1", "1", "2999", "Date of birth must be in the past"),
    ]:
        group.get_by_label("Day").fill(day)
        group.get_by_label("Month").fill(month)
        group.get_by_label("Year").fill(year)
        continue_(page)
        page.locator("#error-summary").wait_for()
        assert message in page.locator("[data-field='person.date_of_birth']").inner_text(), message
        assert message in page.locator("#error-summary").inner_text()
    capture(page, "53-date-of-birth-error")
    # the summary's link goes to the date's first field
    page.locator("#error-summary a", has_text="in the past").click()
    assert page.evaluate("document.activeElement.id") == "f-person-date-of-birth"

    person = Person(family_name="Born", date_of_birth="2001-03-27")
    fill_person(page, person)
    assert draft(page)["person"]["date_of_birth"] == "2001-03-27"
    continue_(page)
    fill_contact(page, person)
    continue_(page)
    fill_encounter(page)
    continue_(page)
    fill_substances(page)
    continue_(page)
    answer(page, ANSWERS_ELIGIBLE)
    continue_(page)
    agree(page)
    continue_(page)
    heading(page, "Check and submit")
    person_section = page.locator("section").filter(
        has=page.get_by_role("heading", level=2, name="The person", exact=True)
    )
    assert "27 March 2001" in person_section.inner_text()
    # going back shows the date as it was typed
    person_section.get_by_role("link", name="Change").click()
    heading(page, "The person")
    month = page.get_by_role("group", name="Date of birth").get_by_label("Month")
    assert month.input_value() == "3"


def test_the_officer_sees_words_not_identifiers(page: Any, portal: Portal) -> None:
    open_portal(page, portal)
    # the demonstration officers are told apart by name, not by their force's identifier
    page.get_by_role("button", name="PC 77 Lee Harper (Northshire)").wait_for()
    assert "northshire" not in page.locator("main").inner_text()
    page.get_by_role("button", name="PC 77 Lee Harper (Northshire)").click()
    heading(page, "Referrals")
    assert "Northshire Constabulary" in page.locator("header").inner_text()
    assert "northshire" not in page.locator("body").inner_text()
    capture(page, "54-force-name")

    page.get_by_role("link", name="Start a new referral").click()
    person = Person(family_name="Words")
    fill_person(page, person)
    continue_(page)
    fill_contact(page, person)
    continue_(page)
    fill_encounter(page, area="Coast")
    continue_(page)
    fill_substances(page)
    continue_(page)
    heading(page, "Eligibility")
    # no rule set jargon while answering …
    answer(page, ANSWERS_ELIGIBLE)
    assert "rule set" not in page.locator("main").inner_text().lower()
    assert "northshire-2026.1" not in page.locator("main").inner_text()
    continue_(page)
    agree(page)
    assert "northshire-2026.1" not in page.locator("main").inner_text()
    continue_(page)
    # … but the review, where it is checked before sending, names the version
    heading(page, "Check and submit")
    assert "northshire-2026.1" in page.locator("#decision").inner_text()
