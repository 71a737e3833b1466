"""My referrals: each opens to its detail, its steps as they become known, and can be withdrawn."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from portal_driver import (
    PHONE,
    Portal,
    capture,
    device_storage,
    heading,
    open_portal,
    run_async,
    sign_in,
)

from contracts import new_event
from contracts.events.v1 import CaseContacted, CaseNotEngaged, InterventionCompleted, SessionBooked
from contracts.vocabulary import EngagementStage, Pathway
from referral_api.db import kit
from referral_api.referrals.consumers import subscriptions
from referral_api.referrals.schemas import example_referral
from servicekit.db import Database
from servicekit.inbox import EventConsumer

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
    assert (
        "already withdrawn. A closed referral can no longer be withdrawn." in summary.inner_text()
    )
    heading(page, "Withdraw the referral")
    # what was chosen is still chosen, for a retry
    assert page.get_by_label("Made in error", exact=True).is_checked()
    stored = portal.api("GET", f"/v1/referrals/{referral['id']}").json()
    assert stored["status"] == "withdrawn"


# ---- how far each person got, as the drug service reports it --------------------------------


def report(portal: Portal, referral: dict[str, Any], *steps: str) -> None:
    """The drug service's events about the referral, applied as referral-api's consumer applies
    them from the bus, each an hour after the one before."""
    referral_id = uuid.UUID(referral["id"])
    start = datetime.fromisoformat(referral["submitted_at"])
    events = []
    for seconds, step in enumerate(steps, start=1):
        at = start + timedelta(seconds=seconds)
        data: Any = {
            "contacted": lambda at=at: CaseContacted(
                referral_id=referral_id, case_id=uuid.uuid4(), contacted_at=at, attempts=1
            ),
            "booked": lambda at=at: SessionBooked(
                referral_id=referral_id,
                booking_id=uuid.uuid4(),
                session_id=uuid.uuid4(),
                course_type=Pathway.cannabis_group,
                session_start=at + timedelta(days=2),
            ),
            "completed": lambda at=at: InterventionCompleted(
                referral_id=referral_id, completed_at=at
            ),
            "not_engaged": lambda at=at: CaseNotEngaged(
                referral_id=referral_id,
                case_id=uuid.uuid4(),
                stage_reached=EngagementStage.not_contacted,
                at=at,
            ),
        }[step]()
        events.append(
            new_event(
                data, source="/drug-service", subject=str(referral_id), forceid="demo", time=at
            )
        )

    async def apply() -> None:
        db = Database(portal.settings.database_url, cipher=portal.settings.field_cipher())
        consumer = EventConsumer(db, kit, None, subscriptions(), name="referral-api")
        handlers = {t: h for s in consumer.subscriptions for t, h in s.handlers.items()}
        try:
            for event in events:
                assert await consumer.apply(event, handlers[event.type], subject=event.type)
        finally:
            await db.dispose()

    run_async(apply)


FORCES_REFERRALS = "The force\u2019s referrals"  # with a typographic apostrophe


def step_lines(scope: Any) -> list[str]:
    return [" ".join(text.split()) for text in scope.locator(".steps li").all_inner_texts()]


def step_labels(scope: Any) -> list[str]:
    return [str(text) for text in scope.locator(".steps__label").all_inner_texts()]


def test_the_officer_sees_each_step_and_the_outcome_and_still_sees_them_offline(
    page: Any, context: Any, portal: Portal
) -> None:
    done = refer(portal, "Robin", "Completes", "2001-03-27")
    waiting = refer(portal, "Sasha", "Waits", "1990-11-02")
    report(portal, done, "contacted", "booked", "completed")
    report(portal, waiting, "contacted")

    open_portal(page, portal)
    sign_in(page)
    page.get_by_role("link", name="My referrals").click()
    heading(page, "My referrals")
    robin = page.locator("#my-referrals li.entry", has_text="Robin Completes")
    robin.locator(".tag", has_text="completed").wait_for()
    lines = step_lines(robin)
    assert step_labels(robin) == [
        "Referred",
        "Contacted by the drug service",
        "Session booked",
        "Completed",
    ]
    assert all(re.search(WRITTEN_TIME, line) for line in lines)
    sasha = page.locator("#my-referrals li.entry", has_text="Sasha Waits")
    assert sasha.locator(".tag").inner_text() == "contacted"
    assert len(step_lines(sasha)) == 2
    capture(page, "45-my-referrals-progress")

    page.get_by_role("link", name="Robin Completes").click()
    heading(page, "Robin Completes")
    main = page.locator("main")
    main.get_by_text("Completed the intervention", exact=False).wait_for()
    steps = page.locator("#timeline li").all_inner_texts()
    assert [step.split("\n")[0] for step in steps] == [
        "Referred",
        "Contacted by the drug service",
        "Session booked",
        "Completed",
    ]
    assert page.get_by_role("link", name="Withdraw this referral").count() == 0
    capture(page, "46-referral-completed")

    # out of signal: the list and the referral as last fetched, saying so
    context.set_offline(True)
    page.locator("#connection").get_by_text("Offline").wait_for()
    page.get_by_role("link", name="Back to my referrals").click()
    heading(page, "My referrals")
    notice = page.locator("#offline-notice")
    notice.wait_for()
    assert "You are offline. This is the list as it was at" in notice.inner_text()
    robin.locator(".tag", has_text="completed").wait_for()
    assert step_lines(robin) == lines
    capture(page, "47-my-referrals-offline")
    page.get_by_role("link", name="Sasha Waits").click()
    heading(page, "Sasha Waits")
    page.locator("#offline-notice").wait_for()
    assert "Contacted by the drug service" in page.locator("#timeline").inner_text()
    # withdrawing needs signal
    assert page.get_by_role("link", name="Withdraw this referral").count() == 0
    capture(page, "48-referral-offline")

    # what was fetched leaves the phone with the officer
    assert device_storage(page)["progress"]
    context.set_offline(False)
    page.get_by_role("button", name="Sign out").click()
    heading(page, "Sign in")
    page.wait_for_function(
        """async () => {
          const db = await new Promise((resolve) => {
            const request = indexedDB.open('diversion-portal');
            request.onsuccess = () => resolve(request.result);
          });
          const count = await new Promise((resolve) => {
            const request = db.transaction('progress').objectStore('progress').count();
            request.onsuccess = () => resolve(request.result);
          });
          db.close();
          return count === 0;
        }"""
    )


def test_a_supervisor_sees_the_forces_referrals_and_filters_them_by_status(
    page: Any, portal: Portal
) -> None:
    mine = refer(portal, "Kai", "Engages", "1999-01-15")
    report(portal, mine, "contacted")
    body = example_referral()
    body["person"].update(given_name="Lee", family_name="Neveranswers", date_of_birth="1985-05-05")
    colleague = {"Authorization": f"Bearer {portal.token(subject='demo-officer-2')}"}
    other = portal.api(
        "POST",
        "/v1/referrals",
        json=body,
        headers={**colleague, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert other.status_code == 201, other.text
    report(portal, other.json(), "not_engaged")

    open_portal(page, portal)
    sign_in(page, "PS 1202 Jo Daniels")
    assert page.get_by_role("link", name="Start a new referral").count() == 0  # officers refer
    page.get_by_role("link", name=FORCES_REFERRALS).click()
    heading(page, FORCES_REFERRALS)
    for name in ("Kai Engages", "Lee Neveranswers"):
        page.get_by_role("link", name=name).wait_for()

    page.get_by_label("Show").select_option("not_engaged")
    page.locator("#my-referrals li.entry").first.wait_for()
    page.wait_for_function("() => document.querySelectorAll('#my-referrals li.entry').length === 1")
    lee = page.locator("#my-referrals li.entry")
    assert "Lee Neveranswers" in lee.inner_text()
    assert lee.locator(".tag").inner_text() == "did not engage"
    assert step_labels(lee) == ["Referred", "Did not engage"]
    capture(page, "49-force-referrals-filtered")

    page.get_by_label("Show").select_option("completed")
    page.get_by_text("No referrals with this status.").wait_for()
