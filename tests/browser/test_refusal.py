"""What the phone cannot know: the server refuses, and the officer sees why, on that referral."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from portal_driver import (
    Person,
    Portal,
    capture,
    continue_,
    entry,
    heading,
    make_referral,
    open_portal,
    radio,
    run_async,
    sign_in,
    wait_for_service_worker,
)

from contracts.vocabulary import ReferralOutcome
from referral_api.forces.models import Force
from referral_api.outcomes.service import close
from referral_api.referrals.models import Referral
from referral_api.referrals.schemas import example_referral
from servicekit.db import Database

pytestmark = pytest.mark.browser

BARRED = Person(given_name="Casey", family_name="Barred", date_of_birth="1996-03-14")


def refer_and_not_engage(portal: Portal, person: Person) -> str:
    """An earlier referral of the person that closed as 'did not engage', which bars them."""
    body = example_referral()
    body["person"].update(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
    )
    response = portal.api(
        "POST", "/v1/referrals", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 201, response.text
    referral_id = uuid.UUID(response.json()["id"])

    async def not_engaged() -> None:
        settings = portal.settings
        db = Database(settings.database_url, cipher=settings.field_cipher())
        try:
            async with db.session() as session:
                referral = await session.get(Referral, referral_id)
                force = await session.get(Force, "demo")
                assert referral is not None and force is not None
                await close(
                    session=session,
                    referral=referral,
                    force=force,
                    outcome=ReferralOutcome.not_engaged,
                    at=datetime.now(UTC),
                )
                await session.commit()
        finally:
            await db.dispose()

    run_async(not_engaged)
    return str(response.json()["reference"])


def retire_area(portal: Portal, code: str) -> None:
    """The force reorganises its areas while an officer is out of signal."""

    async def retire() -> None:
        db = Database(portal.settings.database_url)
        try:
            async with db.session() as session:
                force = await session.get(Force, "demo")
                assert force is not None
                force.areas = [a for a in force.areas if a["code"] != code]
                await session.commit()
        finally:
            await db.dispose()

    run_async(retire)


def test_server_refusals_are_shown_against_the_right_referral(
    page: Any, context: Any, portal: Portal
) -> None:
    earlier_reference = refer_and_not_engage(portal, BARRED)
    open_portal(page, portal)
    sign_in(page)
    wait_for_service_worker(page)

    context.set_offline(True)
    for person, area in (
        (BARRED, "City Centre"),
        (Person(given_name="Robin", family_name="Westside"), "West"),
        (Person(given_name="Sam", family_name="Fine"), "North"),
    ):
        make_referral(page, person, area=area)
        heading(page, "Saved on this phone")
        page.get_by_role("link", name="Back to home").click()
        heading(page, "Referrals")
    retire_area(portal, "west")
    assert portal.referral_count() == 1

    context.set_offline(False)
    page.locator("li[data-state=queued]").first.wait_for(state="detached")

    barred = entry(page, "Casey Barred")
    assert barred.get_attribute("data-state") == "refused"
    text = barred.inner_text()
    assert "Not eligible until " in text
    assert "They can be referred again from" in text
    # the person's history is not shown: only when they may be referred again
    assert earlier_reference not in text
    assert "engage" not in text.lower() and "earlier" not in text.lower()

    moved = entry(page, "Robin Westside")
    assert moved.get_attribute("data-state") == "refused"
    assert "Area: is not one of your force's areas" in moved.inner_text()

    assert page.locator("li[data-state=sent]").count() == 1
    assert "Fine" not in page.locator("li[data-state=sent]").inner_text()  # details dropped
    capture(page, "40-refusals")
    assert portal.referral_count() == 2

    # the officer corrects the refused referral: the server's error is beside the area
    moved.get_by_role("button", name="Correct and send again").click()
    heading(page, "The encounter")
    area = page.locator("[data-field='encounter.area']")
    assert "Area: is not one of your force's areas" in area.inner_text()
    assert "Area: is not one of your force's areas" in page.locator("#error-summary").inner_text()
    # the force's areas were fetched again, so the retired one is no longer offered
    assert page.get_by_role("group", name="Area").get_by_label("West").count() == 0
    capture(page, "41-correct-area")
    radio(page, "Area", "North")
    for _ in range(4):
        continue_(page)
    heading(page, "Check and submit")
    continue_(page)
    heading(page, "Referral sent")
    assert portal.referral_count() == 3
    page.get_by_role("link", name="Back to home").click()
    heading(page, "Referrals")
    page.locator("li[data-state=sent]").nth(1).wait_for()
    assert entry(page, "Robin Westside").count() == 0  # the refused copy is gone

    # the barred person's entry can be removed from the phone
    entry(page, "Casey Barred").get_by_role("button", name="Remove from this phone").click()
    entry(page, "Casey Barred").wait_for(state="detached")

    # My referrals shows what happened to each, including the earlier one
    page.get_by_role("link", name="My referrals").click()
    heading(page, "My referrals")
    earlier = page.locator(f"li[data-reference='{earlier_reference}']")
    earlier.wait_for()
    assert "did not engage" in earlier.inner_text()
    assert page.locator("#my-referrals li.entry").count() == 3
    capture(page, "42-my-referrals-engagement")
