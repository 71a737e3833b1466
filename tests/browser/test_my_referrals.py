"""My referrals: each opens to its detail, its steps as they become known, and can be withdrawn."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from portal_driver import PHONE, Portal, capture, heading, open_portal, sign_in

from referral_api.referrals.schemas import example_referral

pytestmark = pytest.mark.browser

# "5 December 2026 at 14:05": the day first, the month in words, on the phone's clock
WRITTEN_TIME = r"\d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2}"


def refer(portal: Portal, given_name: str, family_name: str, date_of_birth: str) -> dict[str, Any]:
    body = example_referral()
    body["person"].update(
        given_name=given_name, family_name=family_name, date_of_birth=date_of_birth
    )
    response = portal.api(
        "POST", "/v1/referrals", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_referral_opens_to_its_detail_and_the_officer_withdraws_it(
    page: Any, portal: Portal
) -> None:
    referral = refer(portal, "Robin", "Withdrawn", "2001-03-27")
    refer(portal, "Sasha", "Stays", "1990-11-02")
    assert page.viewport_size == PHONE
    open_portal(page, portal)
    sign_in(page)
    page.get_by_role("link", name="My referrals").click()
    heading(page, "My referrals")
    page.get_by_role("link", name="Robin Withdrawn").wait_for()
    capture(page, "40-my-referrals")

    page.get_by_role("link", name="Robin Withdrawn").click()
    heading(page, "Robin Withdrawn")
    main = page.locator("main")
    main.get_by_text(referral["reference"], exact=True).wait_for()
    # the person, and dates written day month year in every locale
    assert "27 March 2001" in main.inner_text()
    timeline = page.locator("#timeline")
    assert re.search(rf"Referred\s+{WRITTEN_TIME}", timeline.inner_text())
    assert "Withdrawn" not in timeline.inner_text()
    assert "Not yet contacted" in main.inner_text()
    capture(page, "41-referral-detail")

    # withdrawing asks why, and says what a missing reason means
    page.get_by_role("link", name="Withdraw this referral").click()
    heading(page, "Withdraw the referral")
    capture(page, "42-withdraw")
    page.get_by_role("button", name="Withdraw the referral").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert "Choose why you are withdrawing it" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    capture(page, "43-withdraw-errors")
    page.get_by_role("group", name="Why are you withdrawing it?").get_by_label(
        "Made in error", exact=True
    ).check()
    page.get_by_label("Details").fill("Entered twice at the scene")
    page.get_by_role("button", name="Withdraw the referral").click()

    # back on the referral: withdrawn, with the time it happened
    heading(page, "Robin Withdrawn")
    page.locator("#timeline", has_text="Withdrawn").wait_for()
    assert re.search(rf"Withdrawn\s+{WRITTEN_TIME}", timeline.inner_text())
    assert page.get_by_role("status").filter(has_text="withdrawn").count() == 1
    assert page.get_by_role("link", name="Withdraw this referral").count() == 0
    capture(page, "44-withdrawn")

    stored = portal.api("GET", f"/v1/referrals/{referral['id']}").json()
    assert stored["status"] == "withdrawn"
    assert stored["closed_at"]
    # and the other referral was left alone
    statuses = {r["person"]["given_name"]: r["status"] for r in portal.my_referrals()}
    assert statuses == {"Robin": "withdrawn", "Sasha": "submitted"}

    page.get_by_role("link", name="Back to my referrals").click()
    heading(page, "My referrals")
    robin = page.locator("li", has_text="Robin Withdrawn")
    robin.locator(".tag", has_text="withdrawn").wait_for()


def test_the_detail_shows_every_step_the_api_gives_in_order(page: Any, portal: Portal) -> None:
    """Steps the API adds later (contacted, booked…) show without a change to the portal."""
    referral = refer(portal, "Alex", "Later", "1995-06-01")

    def later_steps(route: Any) -> None:
        response = route.fetch()
        route.fulfill(
            response=response,
            json={
                **response.json(),
                "status": "booked",
                "engagement": "booked",
                "timeline": [
                    {"status": "booked", "at": "2026-03-05T10:00:00Z"},
                    {"status": "submitted", "at": "2026-03-01T09:30:00Z"},
                    {"status": "contacted", "at": "2026-03-02T12:15:00Z"},
                ],
            },
        )

    page.route(re.compile(r".*/v1/referrals/[0-9a-f-]+$"), later_steps)
    open_portal(page, portal, f"/#/referrals/{referral['id']}")
    sign_in_if_asked(page)
    heading(page, "Alex Later")
    steps = page.locator("#timeline li").all_inner_texts()
    assert [step.split("\n")[0] for step in steps] == [
        "Referred",
        "Contacted by the drug service",
        "Session booked",
    ]
    assert "1 March 2026" in steps[0]
    assert "5 March 2026" in steps[2]


def sign_in_if_asked(page: Any) -> None:
    """Sign in when a deep link lands on the sign-in screen; the link's screen follows."""
    if page.get_by_role("heading", level=1, name="Sign in").count():
        page.get_by_role("button", name="PC 4521 Alex Morgan").click()


def test_a_withdrawal_the_server_refuses_says_why_and_changes_nothing(
    page: Any, portal: Portal
) -> None:
    referral = refer(portal, "Kim", "Closed", "1988-08-08")
    open_portal(page, portal)
    sign_in(page)
    page.get_by_role("link", name="My referrals").click()
    page.get_by_role("link", name="Kim Closed").click()
    page.get_by_role("link", name="Withdraw this referral").click()
    heading(page, "Withdraw the referral")
    # meanwhile the referral is withdrawn elsewhere (a supervisor, another phone)
    response = portal.api(
        "POST", f"/v1/referrals/{referral['id']}/withdrawal", json={"reason": "duplicate"}
    )
    assert response.status_code == 200, response.text
    page.get_by_role("group", name="Why are you withdrawing it?").get_by_label(
        "Made in error", exact=True
    ).check()
    page.get_by_role("button", name="Withdraw the referral").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert "withdrawn and can no longer be withdrawn" in summary.inner_text()
    heading(page, "Withdraw the referral")
    # what was chosen is still chosen, for a retry
    assert page.get_by_label("Made in error", exact=True).is_checked()
    stored = portal.api("GET", f"/v1/referrals/{referral['id']}").json()
    assert stored["status"] == "withdrawn"
