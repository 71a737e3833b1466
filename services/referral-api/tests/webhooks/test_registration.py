"""Registering webhook endpoints: admins of the force only, the secret shown once and kept
encrypted, and outside development only https to a public address."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from referral_api.config import Settings
from referral_api.main import create_app

from ..helpers import AuthHeaders, rows, scalar
from .conftest import register

pytestmark = pytest.mark.db

ROLES = ["officer", "supervisor", "worker", "facilitator", "analyst", "integration"]


@pytest.fixture
async def production(referral_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app outside development, its host names resolved as the test says."""
    app: FastAPI = create_app(referral_settings, start_background=False)
    names = {
        "rms.example.police.uk": ["93.184.216.34", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
        "inside.example": ["10.1.2.3"],
    }

    async def resolve(host: str, port: int) -> list[str]:
        from referral_api.webhooks.addresses import RefusedAddress

        if host not in names:
            raise RefusedAddress(f"the host name {host!r} does not resolve; check it")
        return names[host]

    app.state.resolve_host = resolve
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://referral-api") as client:
        yield client
    await app.state.runtime.db.dispose()


async def attempt(client: httpx.AsyncClient, auth: AuthHeaders, url: str) -> httpx.Response:
    return await client.post(
        "/v1/webhooks",
        json={"force": "demo", "url": url, "description": "Records management"},
        headers=auth(role="admin"),
    )


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.216.34/hooks", "must use https"),
        ("https://127.0.0.1/hooks", "is a private, loopback"),
        ("https://10.0.0.5/hooks", "is a private, loopback"),
        ("https://192.168.1.20:8443/hooks", "is a private, loopback"),
        ("https://169.254.169.254/latest", "is a private, loopback"),
        ("https://100.64.0.1/hooks", "is a private, loopback"),
        ("https://[::1]/hooks", "is a private, loopback"),
        ("https://[fd00::1]/hooks", "is a private, loopback"),
        ("https://[::ffff:127.0.0.1]/hooks", "is a private, loopback"),
        ("https://0.0.0.0/hooks", "is a private, loopback"),
        ("https://203.0.113.7/hooks", "is a private, loopback"),
        ("https://inside.example/hooks", "resolves to 10.1.2.3, which is a private"),
        ("https://nowhere.example/hooks", "does not resolve"),
        ("https://user:pw@rms.example.police.uk/hooks", "user name or password"),
    ],
)
async def test_outside_development_only_public_https_addresses(
    production: httpx.AsyncClient, auth: AuthHeaders, referral_database: str, url: str, why: str
) -> None:
    response = await attempt(production, auth, url)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert error["field"] == "url" and why in error["message"], error
    assert await scalar(referral_database, "SELECT count(*) FROM webhook_endpoints") == 0


async def test_a_public_https_address_is_accepted(
    production: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    for url in ("https://rms.example.police.uk/hooks", "https://93.184.216.34:8443/hooks"):
        assert (await attempt(production, auth, url)).status_code == 201


async def test_development_accepts_a_receiver_on_this_machine(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    assert (await attempt(client, auth, "http://127.0.0.1:8999/hooks")).status_code == 201


async def test_the_secret_is_shown_once_and_kept_encrypted(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = await register(client, auth(role="admin"), "http://127.0.0.1:8999/hooks")
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert created["status"] == "active" and created["force"] == "demo"
    shown = await client.get(f"/v1/webhooks/{created['id']}", headers=auth(role="admin"))
    listed = await client.get("/v1/webhooks", headers=auth(role="admin"))
    for response in (shown, listed):
        assert response.status_code == 200
        assert "secret" not in response.text.replace("previous_secret_signs_until", "")
        assert secret[6:] not in response.text
    (stored,) = await rows(referral_database, "SELECT secret FROM webhook_endpoints")
    assert secret[6:] not in stored.secret and "whsec" not in stored.secret


async def test_bad_input_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    bodies: list[tuple[dict[str, Any], str]] = [
        ({"force": "northshire", "url": "https://a.example/h", "description": "x"}, "force"),
        ({"force": "nowhere", "url": "https://a.example/h", "description": "x"}, "force"),
        ({"force": "demo", "url": "ftp://a.example/h", "description": "x"}, "url"),
        ({"force": "demo", "url": "https://a.example/h", "description": ""}, "description"),
        ({"force": "demo", "url": "https://a.example/h", "description": "x", "extra": 1}, "extra"),
    ]
    for body, field in bodies:
        response = await client.post("/v1/webhooks", json=body, headers=auth(role="admin"))
        assert response.status_code == 422, (body, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], response.text
    assert await scalar(referral_database, "SELECT count(*) FROM webhook_endpoints") == 0


async def test_only_admins_of_the_force_manage_its_endpoints(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    created = await register(client, auth(role="admin"), "http://127.0.0.1:8999/hooks")
    one = f"/v1/webhooks/{created['id']}"
    delivery = f"{one}/deliveries/00000000-0000-4000-8000-000000000000/redelivery"
    calls: list[tuple[str, str, Any]] = [
        (
            "POST",
            "/v1/webhooks",
            {"force": "demo", "url": "http://127.0.0.1:1/h", "description": "x"},
        ),
        ("GET", "/v1/webhooks", None),
        ("GET", one, None),
        ("PATCH", one, {"enabled": False}),
        ("POST", f"{one}/secret-rotation", None),
        ("GET", f"{one}/deliveries", None),
        ("POST", delivery, None),
        ("DELETE", one, None),
    ]
    for role in ROLES:
        for method, path, body in calls:
            response = await client.request(method, path, json=body, headers=auth(role=role))
            assert response.status_code == 403, (role, method, path, response.text)
            assert role in response.json()["detail"]
    # another force's admin: not found by id, and not listed
    other = auth(role="admin", force="northshire")
    for method, path, body in calls[2:]:
        response = await client.request(method, path, json=body, headers=other)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["type"] == "urn:diversion:problem:webhook-not-found"
    assert (await client.get("/v1/webhooks", headers=other)).json()["items"] == []
    assert (await client.get(one, headers=auth(role="admin"))).status_code == 200
    missing = await client.post(delivery, headers=auth(role="admin"))
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:diversion:problem:delivery-not-found"
