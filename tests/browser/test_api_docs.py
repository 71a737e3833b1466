"""The API documentation pages render in a browser with no internet: every request leaving the
machine is blocked, and each page still shows the service's operations."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from portal_driver import Portal

pytestmark = pytest.mark.browser


def cut_off_from_the_internet(page: Any) -> list[str]:
    """Abort every request to anywhere but this machine; the list of those aborted, and of the
    page's script errors. (A request the page's own Content-Security-Policy stopped before it
    left, ReDoc's logo, is neither.)"""
    blocked: list[str] = []
    page.on("pageerror", lambda error: blocked.append(str(error)))

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if urlsplit(url).hostname in {"127.0.0.1", "localhost"}:
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    return blocked


def test_swagger_ui_renders_offline(portal: Portal, page: Any) -> None:
    blocked = cut_off_from_the_internet(page)
    page.goto(portal.base_url + "/docs")
    page.locator(".swagger-ui .opblock-summary-path", has_text="/v1/referrals").first.wait_for()
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("referral-api")
    assert blocked == []


def test_redoc_renders_offline(portal: Portal, page: Any) -> None:
    blocked = cut_off_from_the_internet(page)
    page.goto(portal.base_url + "/redoc")
    page.locator("h1", has_text="referral-api").first.wait_for()
    page.get_by_text("/v1/referrals", exact=False).first.wait_for(state="attached")
    assert blocked == []
