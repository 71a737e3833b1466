"""The OpenAPI document: fuzzed by schemathesis with a real token, and every example works."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from referral_api.config import Settings
from referral_api.main import create_app
from servicekit_testing.threadpool import threadpool_dependencies

from .helpers import AuthHeaders, scalar

pytestmark = pytest.mark.db


@pytest.fixture
def fuzz_app(referral_settings: Settings) -> Iterator[FastAPI]:
    # schemathesis calls the app through a synchronous test client, one event loop per call,
    # so connections must not outlive a call
    yield create_app(referral_settings, start_background=False, null_pool=True)


@pytest.fixture
def api_schema(fuzz_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_nothing(case: Any, token: Any) -> None:
    # Schema-valid data may still break the scheme's rules (an area the force does not have, an
    # ineligible person): those are documented 422s, so "positive data accepted" is not checked.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token('officer')}"},
        excluded_checks=[positive_data_acceptance],
    )


async def _openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    return dict((await client.get("/openapi.json")).json())


def _bodies(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body:
                yield method.upper(), path, body["content"]["application/json"]


async def test_every_request_body_has_an_example(client: httpx.AsyncClient) -> None:
    bodies = list(_bodies(await _openapi(client)))
    assert len(bodies) >= 3
    for method, path, content in bodies:
        assert content.get("examples") or content.get("example"), f"{method} {path}"


async def test_every_example_succeeds_against_the_demonstration_force(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    document = await _openapi(client)
    # a referral to act on for paths with an id
    referral_id = None
    ordered = sorted(_bodies(document), key=lambda item: "{" in item[1])
    for method, path, content in ordered:
        for example in content["examples"].values():
            target = path.replace("{referral_id}", str(referral_id))
            headers = auth() | {"Idempotency-Key": str(uuid.uuid4())}
            response = await client.request(method, target, json=example["value"], headers=headers)
            assert response.status_code in (200, 201), f"{method} {target}: {response.text}"
            if path == "/v1/referrals":
                referral_id = response.json()["id"]
    assert await scalar(referral_database, "SELECT count(*) FROM referrals") == 1


async def test_no_route_waits_for_the_thread_pool(app: FastAPI) -> None:
    # a plain `def` dependency or endpoint is run on a worker thread: a hand-off per request
    assert threadpool_dependencies(app) == []
