"""No signal at the scene: referrals wait on the phone and arrive once when the network returns."""

from __future__ import annotations

import json
from typing import Any

import pytest
from portal_driver import (
    Person,
    Portal,
    capture,
    context_options,
    device_storage,
    entry,
    heading,
    launch_options,
    make_referral,
    open_portal,
    sign_in,
    wait_for_service_worker,
)

pytestmark = pytest.mark.browser


def go_home(page: Any) -> None:
    page.get_by_role("link", name="Back to home").click()
    heading(page, "Referrals")


def test_referrals_made_offline_are_delivered_exactly_once(
    page: Any, context: Any, portal: Portal
) -> None:
    open_portal(page, portal)
    sign_in(page)
    wait_for_service_worker(page)
    token = json.loads(page.evaluate("sessionStorage.getItem('diversion.session')"))["token"]

    context.set_offline(True)
    page.locator("#connection").get_by_text("Offline").wait_for()
    make_referral(page, Person(given_name="Ada", family_name="Offlineford"))
    heading(page, "Saved on this phone")
    capture(page, "20-offline-saved")
    go_home(page)
    make_referral(page, Person(given_name="Bo", family_name="Nosignal", phone="07700 900456"))
    heading(page, "Saved on this phone")
    go_home(page)

    for name in ("Ada Offlineford", "Bo Nosignal"):
        assert "Waiting to send" in entry(page, name).inner_text()
    capture(page, "21-offline-queue")
    assert portal.referral_count() == 0

    # the queue is on disk, without the token
    queued = device_storage(page)["outbox"]
    assert [e["state"] for e in queued] == ["queued", "queued"]
    assert token not in json.dumps(queued)
    assert all(e["officer"] == "demo-officer-1" for e in queued)

    # still offline, the app reloads from the service worker and the queue is still there
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_selector("html[data-ready=true]")
    heading(page, "Referrals")
    assert page.locator("li[data-state=queued]").count() == 2
    capture(page, "22-offline-reloaded")
    assert portal.referral_count() == 0

    # signal returns: both are sent, each once
    context.set_offline(False)
    page.locator("li[data-state=sent]").nth(1).wait_for()
    assert page.locator("li[data-state=queued]").count() == 0
    capture(page, "23-back-online-sent")
    assert portal.referral_count() == 2
    names = sorted(r["person"]["family_name"] for r in portal.my_referrals())
    assert names == ["Nosignal", "Offlineford"]

    # opening the app again (another trigger to send) sends nothing more
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    heading(page, "Referrals")
    page.wait_for_timeout(500)
    assert portal.referral_count() == 2
    # and the phone no longer holds their details
    stored = json.dumps(device_storage(page)["outbox"])
    assert "Offlineford" not in stored and "Nosignal" not in stored


def test_a_lost_response_is_retried_without_a_second_referral(
    page: Any, context: Any, portal: Portal
) -> None:
    """The server stores the referral but the answer never reaches the phone (signal drops)."""
    open_portal(page, portal)
    sign_in(page)
    posts: list[str] = []
    first_answer: list[int] = []

    def lose_the_first_answer(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.headers["idempotency-key"])
        if len(posts) == 1:
            # the server receives it and stores the referral, but the phone hears nothing back
            first_answer.append(route.fetch().status)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    context.route("**/v1/referrals", lose_the_first_answer)
    make_referral(page, Person(given_name="Cal", family_name="Dropped"))
    # the entry stays queued after the failed try and is sent again by the next trigger
    heading(page, "Referral sent")
    assert first_answer == [201]
    assert len(posts) >= 2 and len(set(posts)) == 1, "every try carries the same key"
    assert portal.referral_count() == 1


def test_a_queued_referral_survives_closing_the_browser(
    playwright_driver: Any, portal: Portal, tmp_path: Any
) -> None:
    profile = tmp_path / "profile"
    options = {**launch_options(), **context_options()}

    browser = playwright_driver.chromium.launch_persistent_context(str(profile), **options)
    page = browser.pages[0] if browser.pages else browser.new_page()
    open_portal(page, portal)
    sign_in(page)
    wait_for_service_worker(page)
    assert portal.signal is not None
    portal.signal.on = False  # for the service worker's own sends, which set_offline misses
    browser.set_offline(True)
    make_referral(page, Person(given_name="Dee", family_name="Closedtab"))
    heading(page, "Saved on this phone")
    browser.close()  # the browser is closed with the referral unsent
    assert portal.referral_count() == 0

    # opened again with no signal: the app and the waiting referral are both there
    browser = playwright_driver.chromium.launch_persistent_context(
        str(profile), offline=True, **options
    )
    try:
        page = browser.pages[0] if browser.pages else browser.new_page()
        response = open_portal(page, portal)
        assert response is not None and response.from_service_worker
        heading(page, "Sign in")
        notice = page.get_by_text("1 referral is waiting on this phone")
        notice.wait_for()
        capture(page, "24-reopened-offline")

        # with signal again, the officer signs in and it is sent
        portal.signal.on = True
        browser.set_offline(False)
        page.reload()
        page.wait_for_selector("html[data-ready=true]")
        sign_in(page)
        page.locator("li[data-state=sent]").wait_for()
        assert portal.referral_count() == 1
        [held] = portal.my_referrals()
        assert held["person"]["family_name"] == "Closedtab"
    finally:
        browser.close()
