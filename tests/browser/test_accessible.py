"""Usable by every officer: reflow at 320 px and at 200% text, a logical focus order."""

from __future__ import annotations

from typing import Any

import pytest
from portal_driver import (
    OVERFLOW,
    Person,
    Portal,
    axe_violations,
    continue_,
    fill_contact,
    fill_encounter,
    fill_person,
    fill_substances,
    heading,
    open_portal,
    sign_in,
)

pytestmark = pytest.mark.browser

STEPS = ["The person", "Contact and needs", "The encounter", "Substances found", "Eligibility"]
FILL = [fill_person, fill_contact, lambda page, _: fill_encounter(page), None, None]


def test_every_step_reflows_at_320px_and_at_200_percent_text(page: Any, portal: Portal) -> None:
    """WCAG 1.4.10 and 1.4.4: no sideways scrolling at 320 CSS px, nor at 360 px with text
    doubled (a phone's largest text setting), and nothing hidden or overlapping for axe."""
    open_portal(page, portal)
    sign_in(page)
    page.get_by_role("link", name="Start a new referral").click()
    person = Person()
    for title, fill in zip(STEPS, FILL, strict=True):
        heading(page, title)
        for width, text in ((320, "100%"), (360, "200%")):
            page.set_viewport_size({"width": width, "height": 800})
            page.evaluate(f"document.documentElement.style.fontSize = '{text}'")
            assert page.evaluate(OVERFLOW) <= 0, f"{title} scrolls sideways at {width}px {text}"
            assert not axe_violations(page), f"{title} at {width}px {text}"
        page.evaluate("document.documentElement.style.fontSize = ''")
        page.set_viewport_size({"width": 360, "height": 800})
        if fill:
            fill(page, person)
        elif title == "Substances found":
            fill_substances(page)
        if title != "Eligibility":
            continue_(page)


def test_focus_starts_at_the_heading_and_follows_the_form(page: Any, portal: Portal) -> None:
    open_portal(page, portal)
    sign_in(page)
    page.get_by_role("link", name="Start a new referral").click()
    heading(page, "The person")
    # a new screen is announced from its heading, as a page load would be
    assert page.evaluate("document.activeElement.tagName") == "H1"
    order: list[str] = []
    for _ in range(16):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "document.activeElement.id || document.activeElement.name"
            " || document.activeElement.textContent.trim()"
        )
        # count each control once, however many stops it takes
        if not order or order[-1] != focused:
            order.append(focused)
    assert order[:8] == [
        "f-person-given-name",
        "f-person-family-name",
        # the date of birth is typed as day, month and year, in that order
        "f-person-date-of-birth",
        "f-person-date-of-birth-month",
        "f-person-date-of-birth-year",
        "f-person-gender",
        "f-person-self-defined-ethnicity",
        "f-person-observed-ethnicity",
    ]
    assert order[8] == "continue"
