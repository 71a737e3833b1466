"""The dashboard page and its files: served under a strict policy, only what is meant to be, and
the charting library exactly the pinned release."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from reporting_api.config import Settings
from reporting_api.dashboard.router import STATIC
from reporting_api.main import create_app
from servicekit.devidp import DevIdentityProvider

ROOT = Path(__file__).resolve().parents[4]
NODE_CHART = ROOT / "node_modules" / "chart.js"
VENDORED = STATIC / "vendor" / "chart.umd.min.js"


def policy(response: httpx.Response) -> dict[str, str]:
    directives = (d.strip() for d in response.headers["content-security-policy"].split(";"))
    return {name: value for name, _, value in (d.partition(" ") for d in directives if d)}


async def test_the_page_is_served_under_a_policy_with_no_inline_script_nor_eval(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/dashboard")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = policy(response)
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe" not in response.headers["content-security-policy"]
    html = response.text
    # every script is a file of its own: the policy would block an inline one
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"
    assert not re.search(r"\sstyle=", html), "no inline style attributes"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/dashboard/dashboard.js", "text/javascript"),
        ("/dashboard/dashboard.css", "text/css"),
        ("/dashboard/vendor/chart.umd.min.js", "text/javascript"),
    ],
)
async def test_its_files_are_served_with_the_same_policy(
    client: httpx.AsyncClient, path: str, kind: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(kind)
    assert policy(response)["script-src"] == "'self'"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/router.py",
        "/dashboard/../config.py",
        "/dashboard/%2e%2e/router.py",
        "/dashboard/index.html.bak",
        "/dashboard/vendor/",
        "/dashboard/.gitignore",
    ],
)
async def test_nothing_else_under_dashboard_is_served(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]  # a message a person can act on


async def test_the_dashboard_is_not_part_of_the_api_description(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith(("/dashboard", "/dev/"))]


async def test_without_the_development_provider_people_paste_a_token(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/dashboard/config.json")).json() == {"sign_in": "token"}
    # and the demonstration sign-in does not exist at all
    assert (await client.get("/dev/sign-in/users")).status_code == 404
    response = await client.post("/dev/sign-in", json={"subject": "demo-analyst-1"})
    assert response.status_code == 404


@pytest.fixture
async def dev_client(
    reporting_settings: Settings, dev_idp: DevIdentityProvider
) -> httpx.AsyncClient:
    settings = reporting_settings.model_copy(update={"dev_idp_dir": str(dev_idp.directory)})
    app: FastAPI = create_app(settings, start_background=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://reporting-api") as c:
        yield c  # type: ignore[misc]
    await app.state.runtime.db.dispose()


async def test_the_development_sign_in_gives_an_analyst_a_token_that_reads_reports(
    dev_client: httpx.AsyncClient,
) -> None:
    assert (await dev_client.get("/dashboard/config.json")).json() == {"sign_in": "development"}
    users = (await dev_client.get("/dev/sign-in/users")).json()
    assert [(u["subject"], u["role"], u["force"]) for u in users] == [
        ("demo-analyst-1", "analyst", "demo"),
        ("demo-supervisor-1", "supervisor", "demo"),
    ]
    signed_in = (await dev_client.post("/dev/sign-in", json={"subject": "demo-analyst-1"})).json()
    assert signed_in["user"]["role"] == "analyst"
    # the token is one the service itself trusts: an admin route refuses it for its role (403),
    # not for who signed it (401)
    response = await dev_client.post(
        "/v1/admin/rebuild", headers={"Authorization": f"Bearer {signed_in['access_token']}"}
    )
    assert response.status_code == 403


async def test_an_unknown_demonstration_user_is_a_problem_naming_the_real_ones(
    dev_client: httpx.AsyncClient,
) -> None:
    response = await dev_client.post("/dev/sign-in", json={"subject": "demo-officer-1"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "demo-analyst-1" in response.json()["detail"]


def test_the_vendored_chart_library_is_the_pinned_release_byte_for_byte() -> None:
    """The dashboard serves its own copy (nothing is fetched at run time); it must be exactly the
    release package.json pins, so an upgrade is one `npm install` and one copy."""
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["chart.js"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), f"chart.js must be pinned exactly: {pinned}"
    if not (NODE_CHART / "package.json").is_file():
        pytest.skip("node_modules/ is missing: `make lint` installs it (npm ci)")
    installed = json.loads((NODE_CHART / "package.json").read_text())["version"]
    if installed != pinned:
        pytest.skip(f"node_modules holds chart.js {installed}, not {pinned}: run npm ci")
    assert VENDORED.read_bytes() == (NODE_CHART / "dist" / "chart.umd.min.js").read_bytes(), (
        f"copy node_modules/chart.js/dist/chart.umd.min.js to {VENDORED.relative_to(ROOT)}"
    )
    assert f"Chart.js v{pinned}" in VENDORED.read_text()[:200]
