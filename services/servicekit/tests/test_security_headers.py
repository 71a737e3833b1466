"""Headers every response carries: no sniffing, no framing, no referrer, no caching of the API."""

from __future__ import annotations

import httpx
import pytest
from kit_fixture_support import Service

pytestmark = pytest.mark.db

EVERYWHERE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def assert_hardened(response: httpx.Response) -> None:
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_api_answers_are_hardened_and_never_cached(service: Service) -> None:
    answers = [
        await service.client.get("/whoami", headers=service.auth()),  # a person's data
        await service.client.get("/whoami"),  # a 401 problem
        await service.client.post(
            "/notes", content=b"x" * 5000, headers={"content-type": "application/json"}
        ),  # refused while streaming, before the app
        await service.client.get("/no/such/path"),
    ]
    assert [a.status_code for a in answers] == [200, 401, 413, 404]
    for answer in answers:
        assert_hardened(answer)
        assert answer.headers["cache-control"] == "no-store"


async def test_health_is_hardened_too(service: Service) -> None:
    response = await service.client.get("/health")
    assert response.status_code == 200
    assert_hardened(response)
