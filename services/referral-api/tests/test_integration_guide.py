"""The integration guide's examples work: its python blocks (a token, eligibility and a
referral, the outcome feed, webhooks), taken from docs/integration-guide.md as written, run
against the service (and, for the token, against an identity provider's token endpoint)."""

from __future__ import annotations

import asyncio
import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from contracts.vocabulary import ReferralOutcome
from referral_api.config import Settings
from referral_api.main import create_app
from referral_api.webhooks.sender import Retry, WebhookSender
from servicekit_testing.server import serving

from .conftest import TokenFactory
from .helpers import AuthHeaders, close_referral, referral_body, sequence, submit
from .receiver import Receiver

pytestmark = pytest.mark.db

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "integration-guide.md"


def python_block_list(section: str) -> list[str]:
    """The python code blocks of the guide's section whose heading contains `section`."""
    parts = re.split(r"^## ", GUIDE.read_text(), flags=re.MULTILINE)
    (text,) = [p for p in parts if p.splitlines()[0].find(section) >= 0]
    blocks: list[str] = re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    assert blocks, f"no python example in the section {section!r}"
    return blocks


def python_blocks(section: str) -> str:
    return "\n\n".join(python_block_list(section))


def token_endpoint(client_id: str, client_secret: str, access_token: str) -> Starlette:
    """A force identity provider's token endpoint, as RFC 6749 section 4.4 has it."""

    async def issue(request: Request) -> JSONResponse:
        form = dict(parse_qsl((await request.body()).decode()))
        expected = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        granted = str(form.get("scope", ""))
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": granted,
            }
        )

    return Starlette(routes=[Route("/oauth2/token", issue, methods=["POST"])])


async def test_getting_a_token_as_the_guide_shows(
    token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = token("integration")
    idp = token_endpoint("records-system", "s3cret", issued)
    async with serving(idp) as url:
        monkeypatch.setenv("FORCE_TOKEN_URL", f"{url}/oauth2/token")
        monkeypatch.setenv("FORCE_CLIENT_ID", "records-system")
        monkeypatch.setenv("FORCE_CLIENT_SECRET", "s3cret")
        namespace: dict[str, Any] = {}
        code = compile(python_blocks("Getting a token"), str(GUIDE), "exec")
        await asyncio.to_thread(exec, code, namespace)
        assert namespace["TOKEN"] == issued
        monkeypatch.setenv("FORCE_CLIENT_SECRET", "wrong")
        with pytest.raises(httpx.HTTPStatusError):
            await asyncio.to_thread(exec, code, {})


async def test_checking_and_referring_as_the_guide_shows(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    token: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # an officer of the demonstration force, known from their own sign-in
    assert (await client.get("/v1/force", headers=auth(sub="pc-4521"))).status_code == 200
    monkeypatch.setenv("DIVERSION_TOKEN", token("integration"))
    monkeypatch.setenv("DIVERSION_OFFICER", "pc-4521")
    define, use = python_block_list("Checking eligibility and referring")
    async with serving(app) as url:
        monkeypatch.setenv("DIVERSION_URL", url)
        namespace: dict[str, Any] = {}
        await asyncio.to_thread(exec, compile(define, str(GUIDE), "exec"), namespace)
        await asyncio.to_thread(exec, compile(use, str(GUIDE), "exec"), namespace)
        [line] = capsys.readouterr().out.splitlines()
        assert line.startswith("referred ") and line.endswith(" 8"), line
        reference = line.split()[1]
        listed = await client.get("/v1/referrals", headers=auth(role="supervisor"))
        [made] = [r for r in listed.json()["items"] if r["reference"] == reference]
        assert made["officer_id"] == "pc-4521"

        supplying = namespace["referral"] | {
            "answers": namespace["referral"]["answers"] | {"supply_indicators": True}
        }
        decision = await asyncio.to_thread(namespace["check_and_refer"], supplying, "pc-4521")
        assert decision["eligible"] is False and decision["reasons"], decision


async def test_following_the_feed_as_the_guide_shows(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    token: TokenFactory,
    referral_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    created = [
        (await submit(client, auth(), referral_body(given_name=name))).json()
        for name in ("Ash", "Bo")
    ]
    await close_referral(referral_settings, created[0]["id"], ReferralOutcome.completed, NOW)
    await close_referral(referral_settings, created[1]["id"], ReferralOutcome.not_engaged, NOW)
    await sequence(referral_settings)
    code = python_blocks("Following the outcome feed")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIVERSION_TOKEN", token("integration", scopes=["outcomes:read"]))
    async with serving(app) as url:
        monkeypatch.setenv("DIVERSION_URL", url)
        # the guide's code is synchronous: it runs beside the server, not on its event loop
        await asyncio.to_thread(exec, compile(code, str(GUIDE), "exec"), {})
        first = capsys.readouterr().out.splitlines()
        assert first == [
            f"{created[0]['reference']} completed 8",
            f"{created[1]['reference']} not_engaged 8",
        ]
        # the next run starts from the saved cursor: nothing again, and then only what is new
        await asyncio.to_thread(exec, compile(code, str(GUIDE), "exec"), {})
        assert capsys.readouterr().out == ""
        third = (await submit(client, auth(), referral_body(given_name="Cy"))).json()
        await close_referral(referral_settings, third["id"], ReferralOutcome.completed, NOW)
        await sequence(referral_settings)
        await asyncio.to_thread(exec, compile(code, str(GUIDE), "exec"), {})
        assert capsys.readouterr().out.splitlines() == [f"{third['reference']} completed 8"]


NOW = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)


@pytest.fixture
async def delivered(referral_settings: Settings, auth: AuthHeaders) -> tuple[str, Receiver]:
    """A real message the service signed and sent to a receiver, and the endpoint's secret."""
    settings = referral_settings.model_copy(update={"development": True})
    app = create_app(settings, start_background=False)
    hook = Receiver()
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            serving(hook) as url,
            httpx.AsyncClient(transport=transport, base_url="http://referral-api") as client,
        ):
            body = {"force": "demo", "url": url, "description": "Records management"}
            created = await client.post("/v1/webhooks", json=body, headers=auth(role="admin"))
            assert created.status_code == 201, created.text
            referral = (await submit(client, auth())).json()
            await close_referral(settings, referral["id"], ReferralOutcome.completed, NOW)
            sender = WebhookSender(app.state.runtime.db, retry=Retry(), development=True)
            assert len((await sender.run_once()).delivered) == 1
    finally:
        await app.state.runtime.db.dispose()
    return created.json()["secret"], hook


def guide_namespace(monkeypatch: pytest.MonkeyPatch, secret: str) -> dict[str, Any]:
    monkeypatch.setenv("DIVERSION_WEBHOOK_SECRET", secret)
    namespace: dict[str, Any] = {}
    exec(compile(python_blocks("Receiving webhooks"), str(GUIDE), "exec"), namespace)  # noqa: S102
    return namespace


async def test_a_webhook_verifies_as_the_guide_shows_and_a_tampered_or_stale_one_does_not(
    delivered: tuple[str, Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret, hook = delivered
    (message,) = hook.received
    guide = guide_namespace(monkeypatch, secret)
    receive, verify_by_hand = guide["receive"], guide["verify_by_hand"]

    outcome = receive(message.body, message.headers)
    assert outcome is not None and outcome["outcome"] == "completed"
    assert verify_by_hand(secret, message.body, message.headers) is True

    tampered = message.body.replace(b'"completed"', b'"not_engaged"')
    assert tampered != message.body
    assert receive(tampered, message.headers) is None
    assert verify_by_hand(secret, tampered, message.headers) is False

    # correctly signed, but ten minutes old: a replay
    stale_at = datetime.now(UTC) - timedelta(minutes=10)
    stale = message.headers | {
        "webhook-timestamp": str(int(stale_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(
            message.message_id, stale_at, message.body.decode()
        ),
    }
    assert receive(message.body, stale) is None
    assert verify_by_hand(secret, message.body, stale) is False

    # another endpoint's secret
    other = "whsec_" + "QUJD" * 8
    assert verify_by_hand(other, message.body, message.headers) is False
    assert guide_namespace(monkeypatch, other)["receive"](message.body, message.headers) is None
