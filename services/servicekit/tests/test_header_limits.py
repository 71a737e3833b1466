"""Request headers have limits: total bytes, one header's bytes, and how many there are.

Over any limit the request is answered 431 with problem+json before the app reads it; a request
just within them is served. The limits are settings, and uvicorn's own parser is held to them
too where it has a limit of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from kit_fixture_support import Service, start_service

from servicekit.devidp import DevIdentityProvider
from servicekit.settings import ServiceSettings
from servicekit_testing.server import serving

pytestmark = pytest.mark.db


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:diversion:problem:{slug}"
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_the_limits_are_settings_with_sane_defaults() -> None:
    defaults = ServiceSettings.model_fields
    assert defaults["max_header_bytes"].default == 16 * 1024
    assert defaults["max_header_line_bytes"].default == 8 * 1024
    assert defaults["max_header_count"].default == 100


async def test_one_oversized_header_is_431(service: Service) -> None:
    response = await service.client.get("/health", headers={"x-big": "x" * (8 * 1024)})
    body = assert_problem(response, 431, "headers-too-large")
    assert "x-big" in body["detail"] and "8192" in body["detail"]


async def test_headers_too_large_together_are_431(service: Service) -> None:
    headers = {f"x-part-{i}": "y" * 4000 for i in range(5)}  # each within 8 KiB, 20 KB in all
    body = assert_problem(
        await service.client.get("/health", headers=headers), 431, "headers-too-large"
    )
    assert "16384" in body["detail"]


async def test_too_many_headers_are_431(service: Service) -> None:
    headers = [(f"x-h{i}", "1") for i in range(2_000)]  # 20,000 travel in the raw test below
    response = await service.client.get("/health", headers=headers)
    body = assert_problem(response, 431, "headers-too-large")
    assert "100" in body["detail"]


async def test_an_eight_megabyte_header_is_431(service: Service) -> None:
    response = await service.client.get("/health", headers={"x-huge": "z" * (8 * 1024 * 1024)})
    assert_problem(response, 431, "headers-too-large")
    assert len(response.content) < 1024  # the value is not echoed back


async def test_headers_within_the_limits_are_served(service: Service) -> None:
    headers = {f"x-h{i}": "v" * 100 for i in range(90)}
    headers["x-long"] = "w" * 4000
    response = await service.client.get("/whoami", headers={**headers, **service.auth()})
    assert response.status_code == 200, response.text


async def test_a_refused_write_saves_nothing_and_is_hardened(service: Service) -> None:
    response = await service.client.post(
        "/notes", json={"text": "hi"}, headers={**service.auth(), "x-big": "x" * 9000}
    )
    assert_problem(response, 431, "headers-too-large")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


@pytest.fixture
async def tight_service(
    db_url: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
) -> AsyncIterator[Service]:
    svc, client = await start_service(
        db_url,
        dev_idp,
        trusted_issuers,
        field_keys,
        max_header_bytes=3000,
        max_header_line_bytes=2000,
        max_header_count=10,
    )
    async with client:
        yield svc
    await svc.runtime.stop()


async def test_the_limits_follow_the_settings(tight_service: Service) -> None:
    client = tight_service.client
    assert (await client.get("/health", headers={"x-a": "a" * 1900})).status_code == 200
    assert_problem(
        await client.get("/health", headers={"x-a": "a" * 2001}), 431, "headers-too-large"
    )
    many = [(f"x-{i}", "1") for i in range(11)]
    assert_problem(await client.get("/health", headers=many), 431, "headers-too-large")


async def test_the_real_server_refuses_them_too(service: Service) -> None:
    async with serving(service.app) as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        status = await raw_status(port, b"x-huge: " + b"z" * (1024 * 1024) + b"\r\n")
        assert status == 431
        status = await raw_status(port, b"".join(b"x-h%d: 1\r\n" % i for i in range(20_000)))
        assert status == 431
        async with httpx.AsyncClient(base_url=base_url) as client:
            assert (await client.get("/health")).status_code == 200


async def raw_status(port: int, headers: bytes) -> int:
    """The status line's code for a GET /health carrying `headers`, sent over a raw socket."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"GET /health HTTP/1.1\r\nhost: kit.test\r\n" + headers + b"\r\n")
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
        return int(status_line.split()[1])
    finally:
        writer.close()
