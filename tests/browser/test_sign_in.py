"""Signing in: the force's OpenID Connect provider (code flow with PKCE), and the dev picker.

The provider here is a small fake with the two endpoints the portal uses. It checks what a real
one checks: the S256 code challenge against the verifier, the redirect URI, a single-use code.
Its access tokens are signed by the development identity provider, which referral-api trusts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import httpx
import jwt
import pytest
from portal_driver import (
    Portal,
    ServerThread,
    capture,
    heading,
    open_portal,
    serve_portal,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from servicekit.devidp import DevIdentityProvider

pytestmark = pytest.mark.browser

CLIENT_ID = "diversion-portal"
SUBJECT = "oidc-officer-7"


class FakeProvider:
    """Authorisation code with PKCE, as a force's provider runs it for a public client."""

    def __init__(self, signer: DevIdentityProvider) -> None:
        self.signer = signer
        self.codes: dict[str, dict[str, str]] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.signed_out = False
        self.origin = ""
        self.app = Starlette(
            routes=[
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST", "OPTIONS"]),
                Route("/logout", self.logout),
            ]
        )

    async def authorize(self, request: Request) -> RedirectResponse:
        params = dict(request.query_params)
        self.authorize_requests.append(params)
        assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
        assert params["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = params
        query = urlencode({"code": code, "state": params["state"]})
        return RedirectResponse(f"{params['redirect_uri']}?{query}", status_code=302)

    def cors(self, response: JSONResponse) -> JSONResponse:
        response.headers["Access-Control-Allow-Origin"] = self.origin
        response.headers["Access-Control-Allow-Headers"] = "content-type, accept"
        return response

    async def token(self, request: Request) -> JSONResponse:
        if request.method == "OPTIONS":
            return self.cors(JSONResponse({}))
        # parsed by hand: Starlette's form parser needs python-multipart, which we do not use
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        self.token_requests.append(form)
        pending = self.codes.pop(form.get("code", ""), None)  # single use
        if pending is None:
            return self.cors(JSONResponse({"error": "invalid_grant"}, status_code=400))
        digest = hashlib.sha256(form["code_verifier"].encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if (
            challenge != pending["code_challenge"]
            or form["redirect_uri"] != pending["redirect_uri"]
        ):
            return self.cors(JSONResponse({"error": "invalid_grant"}, status_code=400))
        access = self.signer.token(
            role="officer", forces=["demo"], subject=SUBJECT, name="DC 5150 Rae Quinn"
        )
        now = int(time.time())
        id_token = jwt.encode(
            {
                "iss": "https://idp.example",
                "sub": SUBJECT,
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 3600,
                "nonce": pending["nonce"],
                "name": "DC 5150 Rae Quinn",
            },
            "not-checked-by-the-portal-test-key-32b",
            algorithm="HS256",
        )
        return self.cors(
            JSONResponse(
                {
                    "access_token": access,
                    "id_token": id_token,
                    "token_type": "Bearer",
                    "expires_in": 3600,
                }
            )
        )

    async def logout(self, request: Request) -> RedirectResponse:
        self.signed_out = True
        return RedirectResponse(request.query_params["post_logout_redirect_uri"], status_code=302)


@pytest.fixture
def provider(dev_idp: DevIdentityProvider) -> Iterator[tuple[FakeProvider, str]]:
    fake = FakeProvider(dev_idp)
    server = ServerThread(fake.app)
    server.start()
    try:
        yield fake, f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


@pytest.fixture
def oidc_portal(
    portal_database: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    assessment_keypair: tuple[str, str],
    provider: tuple[FakeProvider, str],
    pwa_dir: Path,
) -> Iterator[Portal]:
    fake, issuer = provider
    server, settings = serve_portal(
        portal_database,
        None,  # no development sign-in: this is how production runs
        dev_idp,
        trusted_issuers,
        field_keys,
        assessment_keypair,
        pwa_dir=pwa_dir,
        oidc_issuer=issuer,
        oidc_client_id=CLIENT_ID,
        oidc_authorization_endpoint=f"{issuer}/authorize",
        oidc_token_endpoint=f"{issuer}/token",
        oidc_end_session_endpoint=f"{issuer}/logout",
        oidc_scope="openid profile diversion",
    )
    base_url = f"http://127.0.0.1:{server.port}"
    fake.origin = base_url
    try:
        yield Portal(base_url, settings, dev_idp)
    finally:
        server.stop()


def test_officers_sign_in_with_the_forces_provider_using_pkce(
    page: Any, oidc_portal: Portal, provider: tuple[FakeProvider, str]
) -> None:
    fake, issuer = provider
    config = httpx.get(oidc_portal.base_url + "/portal-config.json").json()
    assert config["sign_in"] == "oidc"
    assert config["oidc"]["client_id"] == CLIENT_ID
    assert config["oidc"]["token_endpoint"] == f"{issuer}/token"
    assert "secret" not in json.dumps(config).lower()
    assert httpx.get(oidc_portal.base_url + "/dev/sign-in/users").status_code == 404

    open_portal(page, oidc_portal)
    heading(page, "Sign in")
    capture(page, "50-sign-in-oidc")
    page.get_by_role("button", name="Sign in with your force account").click()
    heading(page, "Referrals")
    assert "DC 5150 Rae Quinn" in page.locator("#officer").inner_text()

    [asked] = fake.authorize_requests
    assert asked["redirect_uri"] == oidc_portal.base_url + "/"
    assert asked["scope"] == "openid profile diversion"
    assert len(asked["code_challenge"]) == 43  # base64url of a SHA-256 digest
    [exchanged] = fake.token_requests
    assert exchanged["grant_type"] == "authorization_code"
    assert 43 <= len(exchanged["code_verifier"]) <= 128
    assert exchanged["code_verifier"] not in json.dumps(asked)  # only the challenge travelled
    # the single-use code does not stay in the address bar or the history
    assert "code=" not in page.url and "state=" not in page.url

    # the provider's token works with the API
    page.get_by_role("link", name="My referrals").click()
    page.get_by_text("You have not made any referrals yet.").wait_for()
    session = json.loads(page.evaluate("sessionStorage.getItem('diversion.session')"))
    assert session["subject"] == SUBJECT and session["mode"] == "oidc"

    page.get_by_role("button", name="Sign out").click()
    heading(page, "Sign in")
    assert fake.signed_out
    assert page.evaluate("sessionStorage.getItem('diversion.session')") is None


def test_a_callback_that_did_not_start_here_is_refused(
    page: Any, oidc_portal: Portal, provider: tuple[FakeProvider, str]
) -> None:
    """A forged or replayed redirect (state not issued by this tab) signs nobody in."""
    open_portal(page, oidc_portal, "/?code=stolen-code&state=forged-state")
    heading(page, "Sign in")
    page.get_by_text("state mismatch").wait_for()
    fake, _ = provider
    assert fake.token_requests == []


PENDING_KEY = "diversion.oidc-pending"
SPOOFED = "error_description=CALL%200800%20000%20111%20NOW"


def leave_for_the_provider(page: Any, portal: Portal) -> str:
    """Start a sign-in and stop at the provider's page: this tab holds a pending sign-in.

    Returns the authorization request the app made, to be answered later.
    """
    asked: list[str] = []

    def at_the_provider(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(
            status=200,
            content_type="text/html",
            body="<!doctype html><title>Force sign-in</title><p>Sign in to your force</p>",
        )

    def is_authorize(url: str) -> bool:
        return urlsplit(url).path == "/authorize"

    page.route(is_authorize, at_the_provider)
    open_portal(page, portal)
    page.get_by_role("button", name="Sign in with your force account").click()
    page.wait_for_url(is_authorize)
    page.unroute(is_authorize, at_the_provider)
    return asked[0]


def pending_state(page: Any) -> str | None:
    pending = page.evaluate(f"sessionStorage.getItem('{PENDING_KEY}')")
    return json.loads(pending)["state"] if pending else None


def test_an_error_link_this_tab_did_not_ask_for_shows_nothing_from_the_link(
    page: Any, oidc_portal: Portal, provider: tuple[FakeProvider, str]
) -> None:
    """A link with the provider's error parameters cannot put its words in the app's mouth, nor
    cancel a sign-in in progress."""
    authorize_url = leave_for_the_provider(page, oidc_portal)
    state = dict(parse_qsl(urlsplit(authorize_url).query))["state"]

    for link in (
        f"/?error=access_denied&{SPOOFED}",
        f"/?error=access_denied&{SPOOFED}&state=forged-state",
        f"/?error=CALL%200800%20000%20111&state={state}x",
    ):
        open_portal(page, oidc_portal, link)
        heading(page, "Sign in")
        assert "CALL 0800" not in page.locator("body").inner_text()
        assert page.get_by_role("alert").count() == 0
        assert "error" not in page.url  # the link's text leaves the address bar
        assert pending_state(page) == state  # the sign-in in progress is not thrown away

    # the provider answers the sign-in that was pending: it still completes
    answer = httpx.get(authorize_url, follow_redirects=False)
    assert answer.status_code == 302
    page.goto(answer.headers["location"])
    heading(page, "Referrals")
    assert "DC 5150 Rae Quinn" in page.locator("#officer").inner_text()
    fake, _ = provider
    assert len(fake.token_requests) == 1


def test_a_refused_sign_in_is_explained_in_the_apps_own_words(
    page: Any, oidc_portal: Portal, provider: tuple[FakeProvider, str]
) -> None:
    for error, expected in (
        ("access_denied", "Sign-in was cancelled or refused"),
        ("CALL%200800%20000%20111", "Sign-in did not finish"),
    ):
        authorize_url = leave_for_the_provider(page, oidc_portal)
        state = dict(parse_qsl(urlsplit(authorize_url).query))["state"]
        open_portal(page, oidc_portal, f"/?error={error}&{SPOOFED}&state={state}")
        heading(page, "Sign in")
        alert = page.get_by_role("alert")
        alert.wait_for()
        assert expected in alert.inner_text()
        assert "CALL 0800" not in page.locator("body").inner_text()
        assert "error" not in page.url and "state=" not in page.url
        assert pending_state(page) is None  # that sign-in is over
    capture(page, "51-sign-in-refused")
    fake, _ = provider
    assert fake.token_requests == []


def test_the_development_sign_in_is_offered_only_where_enabled(portal: Portal) -> None:
    config = httpx.get(portal.base_url + "/portal-config.json")
    assert config.json() == {"sign_in": "development", "oidc": None}
    assert config.headers["cache-control"] == "no-cache"
    users = httpx.get(portal.base_url + "/dev/sign-in/users").json()
    assert any(u["subject"] == "demo-officer-1" for u in users)
