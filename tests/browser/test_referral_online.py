"""An officer with signal makes a referral, step by step, and the server has it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from portal_driver import (
    OFFICER,
    Person,
    Portal,
    capture,
    continue_,
    device_storage,
    heading,
    make_referral,
    open_portal,
    sign_in,
)

pytestmark = pytest.mark.browser


def test_a_referral_made_online_reaches_referral_api(page: Any, portal: Portal) -> None:
    open_portal(page, portal)
    heading(page, "Sign in")
    capture(page, "00-sign-in")
    sign_in(page)
    capture(page, "01-home")
    session = page.evaluate("sessionStorage.getItem('diversion.session')")
    token = __import__("json").loads(session)["token"]

    # a step cannot be skipped: the errors appear beside each field, and in a summary
    page.get_by_role("link", name="Start a new referral").click()
    heading(page, "The person")
    continue_(page)
    page.locator("#error-summary").wait_for()
    given = page.locator("[data-field='person.given_name']")
    assert "Enter their first name" in given.inner_text()
    assert page.locator("#f-person-given-name").get_attribute("aria-invalid") == "true"
    described = page.locator("#f-person-given-name").get_attribute("aria-describedby")
    assert page.locator(f"#{described}").inner_text().endswith("Enter their first name")
    assert (
        "Enter their date of birth"
        in page.locator("[data-field='person.date_of_birth']").inner_text()
    )
    # the summary takes focus so a screen reader announces it at once
    assert page.evaluate("document.activeElement.id") == "error-summary"
    capture(page, "10-person-errors")
    page.get_by_role("link", name="Back to home").click()

    person = Person(given_name="Jordan", family_name="Onlineton")
    make_referral(page, person, shots="1")

    heading(page, "Referral sent")
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"DEMO-\d{4}-[0-9A-Z]{6}", reference)
    capture(page, "18-sent")

    # the server holds exactly this referral, made by this officer, as entered
    assert portal.referral_count() == 1
    [held] = [r for r in portal.my_referrals() if r["reference"] == reference]
    assert held["person"] == {
        "given_name": "Jordan",
        "family_name": "Onlineton",
        "date_of_birth": person.date_of_birth,
    }
    assert held["substances"] == ["cannabis"]
    assert held["encounter"]["area"] == "central"
    assert held["encounter"]["origin"] == "stop_and_search"
    assert held["officer_id"] == "demo-officer-1"

    # the phone keeps the reference but not the person, and never the token
    storage = device_storage(page)
    [kept] = storage["outbox"]
    assert kept["state"] == "sent" and kept["reference"] == reference
    assert "body" not in kept
    flat = __import__("json").dumps(storage)
    assert "Onlineton" not in flat and "07700" not in flat
    assert token not in flat

    # "My referrals" shows it with its engagement, from the API
    page.get_by_role("link", name="Back to home").click()
    page.get_by_role("link", name="My referrals").click()
    heading(page, "My referrals")
    item = page.locator(f"li[data-reference='{reference}']")
    item.wait_for()
    assert "Jordan Onlineton" in item.inner_text()
    assert "not yet contacted" in item.inner_text()
    capture(page, "19-my-referrals")
    assert OFFICER in page.locator("#officer").inner_text()
