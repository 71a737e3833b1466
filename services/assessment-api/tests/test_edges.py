"""The HTTP edges of assessment-api: HEAD wherever GET is, 405 naming the path's methods."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from servicekit_testing.routes import http_routes

pytestmark = pytest.mark.db

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
AuthHeaders = Callable[..., dict[str, str]]


async def test_head_answers_as_get_does_on_every_get_route(
    app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    urls = sorted({r.example() for r in http_routes(app) if "GET" in r.methods})
    assert "/health" in urls and len(urls) > 5
    for url in urls:
        for role in ("worker", "supervisor", "analyst"):
            got = await client.get(url, headers=auth(role))
            head = await client.head(url, headers=auth(role))
            assert head.status_code == got.status_code != 405, (url, role)
            assert head.content == b""
            assert head.headers.get("content-type") == got.headers.get("content-type"), url


async def test_every_405_names_the_methods_its_path_takes(
    app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    routes = http_routes(app)
    for url in sorted({r.example() for r in routes}):
        declared = {m for r in routes if r.pattern.match(url) for m in r.methods if m in METHODS}
        expected = sorted(declared | ({"HEAD"} if "GET" in declared else set()))
        for method in sorted(set(METHODS) - declared):
            response = await client.request(method, url, headers=auth())
            assert response.status_code == 405, (method, url)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["allow"] == ", ".join(expected), (method, url)
