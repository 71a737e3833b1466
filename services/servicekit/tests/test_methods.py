"""HEAD wherever GET is, and a 405 that names the methods the path takes."""

from __future__ import annotations

import pytest
from kit_fixture_support import Service

from servicekit_testing.routes import http_routes

pytestmark = pytest.mark.db


async def test_head_answers_as_get_does_on_every_get_route(service: Service) -> None:
    urls = [route.example() for route in http_routes(service.app) if "GET" in route.methods]
    assert "/whoami" in urls and "/health" in urls
    for url in urls:
        got = await service.client.get(url, headers=service.auth())
        head = await service.client.head(url, headers=service.auth())
        assert head.status_code == got.status_code != 405, url
        assert head.content == b""
        assert head.headers["content-length"] == got.headers["content-length"], url
        assert head.headers["content-type"] == got.headers["content-type"], url


async def test_head_is_refused_where_get_is(service: Service) -> None:
    response = await service.client.head("/notes", headers=service.auth())
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.content == b""
