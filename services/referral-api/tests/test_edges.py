"""The HTTP edges of referral-api, where the API and the officers' portal share one origin.

A wrong method is told the methods its path really takes; an unknown path is a 404 problem;
HEAD works wherever GET does; only the portal's own files are served, each with the portal's
Content-Security-Policy and Permissions-Policy as headers.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from referral_api.config import Settings
from referral_api.main import create_app
from servicekit_testing.routes import http_routes

PWA_DIR = Path(__file__).resolve().parents[3] / "pwa"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def pwa_copy(tmp_path: Path) -> Path:
    """The portal's folder, with a dotfile and a hidden folder beside its own files."""
    copy = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, copy)
    (copy / ".env").write_text("SECRET=1\n")
    (copy / ".git").mkdir()
    (copy / ".git" / "config").write_text("[core]\n")
    (copy / "js" / ".eslintrc").write_text("{}\n")
    return copy


async def portal_client(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    application = create_app(settings, start_background=False)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://referral-api") as client:
        yield application, client
    await application.state.runtime.db.dispose()


@pytest.fixture
async def portal(
    referral_settings: Settings, pwa_copy: Path
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = referral_settings.model_copy(update={"pwa_dir": str(pwa_copy)})
    async for served in portal_client(settings):
        yield served


@pytest.fixture
async def oidc_portal(
    referral_settings: Settings, pwa_copy: Path
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = referral_settings.model_copy(
        update={
            "pwa_dir": str(pwa_copy),
            "oidc_issuer": "https://login.force.example/realms/officers",
            "oidc_client_id": "portal",
            "oidc_authorization_endpoint": "https://login.force.example/authorize",
            "oidc_token_endpoint": "https://tokens.force.example:8443/token",
            "oidc_end_session_endpoint": "https://logout.force.example/end",
        }
    )
    async for served in portal_client(settings):
        yield served


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, (response.request.url, response.text[:300])
    assert response.headers["content-type"] == "application/problem+json"
    if response.request.method != "HEAD":
        assert response.json()["status"] == status


def get_routes(app: FastAPI) -> dict[str, str]:
    """Each GET route's template and an example of its path."""
    return {r.path: r.example() for r in http_routes(app) if "GET" in r.methods}


# 405 -----------------------------------------------------------------------------------------


async def test_a_wrong_method_is_told_the_methods_its_path_takes(
    portal: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = portal
    response = await client.delete("/v1/referrals")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert "use GET, HEAD, POST" in response.json()["detail"]

    response = await client.post("/health")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD"


async def test_every_405_names_only_the_methods_routes_declare(
    portal: tuple[FastAPI, httpx.AsyncClient], auth: Callable[..., dict[str, str]]
) -> None:
    app, client = portal
    routes = http_routes(app)
    checked = 0
    for url in sorted({r.example() for r in routes}):
        declared = {m for r in routes if r.pattern.match(url) for m in r.methods if m in METHODS}
        expected = sorted(declared | ({"HEAD"} if "GET" in declared else set()))
        for method in set(METHODS) - declared:
            response = await client.request(method, url, headers=auth())
            assert_problem(response, 405)
            assert response.headers["allow"] == ", ".join(expected), (method, url)
            checked += 1
    assert checked > 10


async def test_portal_files_take_only_get_and_head(
    portal: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = portal
    for path in ("/", "/index.html", "/js/app.js"):
        response = await client.post(path, json={})
        assert_problem(response, 405)
        assert response.headers["allow"] == "GET, HEAD"


# 404 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/no/such/thing",
        "/v1/referrals-and-more",
        "/v1/referrals/mine/extra/parts",
        "/js/no-such-file.js",
        "/css",
        "/icons/",
        "/README.md",
        "/tools/make_icons.py",
        "/tools/",
        "/.env",
        "/.git/config",
        "/js/.eslintrc",
        "/js/../README.md",
        "/%2e%2e/README.md",
        "/pwa/index.html",
    ],
)
async def test_what_is_not_the_portal_or_the_api_is_a_404_problem(
    portal: tuple[FastAPI, httpx.AsyncClient], path: str
) -> None:
    _, client = portal
    response = await client.get(path)
    assert_problem(response, 404)
    assert "SECRET" not in response.text and "Draw the portal" not in response.text
    assert_problem(await client.head(path), 404)


async def test_the_portals_own_files_are_served(
    portal: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = portal
    index = await client.get("/")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert index.text == (PWA_DIR / "index.html").read_text()
    shell = re.findall(r"'(/[^']*)'", (PWA_DIR / "sw.js").read_text().split("];")[0])
    assert "/js/app.js" in shell
    for path in [*shell, "/sw.js"]:
        response = await client.get(path)
        assert response.status_code == 200, path


# HEAD ----------------------------------------------------------------------------------------


async def test_head_answers_as_get_does_on_every_get_route(
    portal: tuple[FastAPI, httpx.AsyncClient], auth: Callable[..., dict[str, str]]
) -> None:
    app, client = portal
    routes = get_routes(app)
    assert {"/v1/referrals", "/health", "/openapi.json", "/portal-config.json"} <= set(routes)
    for url in [*routes.values(), "/js/app.js", "/index.html", "/"]:
        for role in ("officer", "supervisor"):
            got = await client.get(url, headers=auth(role))
            head = await client.head(url, headers=auth(role))
            assert head.status_code == got.status_code != 405, (url, role, head.status_code)
            assert head.content == b"", url
            assert head.headers.get("content-type") == got.headers.get("content-type"), url


# Content-Security-Policy and Permissions-Policy -----------------------------------------------


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


async def test_the_portal_sends_its_policy_as_headers(
    portal: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = portal
    for path in ("/", "/index.html", "/sw.js", "/js/app.js"):
        response = await client.get(path)
        policy = directives(response.headers["content-security-policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["connect-src"] == ["'self'"]  # development sign-in: its own origin only
        assert policy["form-action"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        permissions = response.headers["permissions-policy"]
        for feature in ("camera", "microphone", "geolocation"):
            assert f"{feature}=()" in permissions
    assert "Content-Security-Policy" not in (PWA_DIR / "index.html").read_text()


async def test_the_policy_names_the_forces_provider_exactly(
    oidc_portal: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = oidc_portal
    response = await client.get("/")
    policy = directives(response.headers["content-security-policy"])
    assert policy["connect-src"] == ["'self'", "https://tokens.force.example:8443"]
    assert policy["form-action"] == [
        "'self'",
        "https://login.force.example",
        "https://logout.force.example",
    ]
    for sources in policy.values():
        assert "https:" not in sources and "http:" not in sources and "*" not in sources
        assert not any("127.0.0.1" in s or "localhost" in s for s in sources)


async def test_api_answers_keep_the_kits_own_policy(
    portal: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = portal
    response = await client.get("/health")
    assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
