"""The OpenAPI document: schemathesis, over a projected history so the reports have figures,
finds no server error, no undocumented status and no response that breaks its schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, settings
from schemathesis.python.asgi import shutdown_lifespans

from reporting_api.config import Settings
from reporting_api.main import create_app
from reporting_api.reports.router import router as report_router
from servicekit_testing.fuzzing import Refusal, fuzz_config
from servicekit_testing.threadpool import threadpool_dependencies

if TYPE_CHECKING:
    import httpx
    from conftest import AuthHeaders

    from reporting_api.synthetic.events import JourneyEvents

pytestmark = pytest.mark.db

# every report, from its router: each is an analyst's (and a supervisor's) to call
REPORTS = {
    route.path: route.operation_id
    for route in report_router.routes
    if isinstance(route, APIRoute) and route.operation_id
}

# Who calls what. schemathesis fuzzes each operation with the token of a role that may call it
# (what every other role gets is the authorisation tests' business). A new operation must be
# given a caller here.
CALLERS: dict[str, frozenset[str]] = {
    "analyst": frozenset(REPORTS.values()),
    "admin": frozenset(
        {
            "rebuild_projections",
            "get_rebuild",
            "get_force_settings",
            "put_force_settings",
            "get_force_population",
            "put_force_population",
            "get_force_baseline",
            "put_force_baseline",
            "get_force_possession_offences",
            "put_force_possession_offences",
        }
    ),
}

# Schema-valid data a report rightly refuses: a period the JSON Schema cannot judge (`from`
# after `to`, before 2000, more than a year ahead or longer than ten years), and `by` on a
# report for the whole force.
REFUSALS = [
    Refusal(
        "GET",
        path,
        [422],
        "`from` after `to`, before 2000-01-01, `to` more than a year ahead, a period of more "
        "than ten years; `by` on a report without breakdowns",
    )
    for path in REPORTS
] + [
    Refusal(
        "PUT",
        f"/v1/forces/{{force}}/{table}",
        [422],
        "a CSV file that is not the table: a column, group, month or count wrong, a row "
        "repeated, no rows; for the baseline, `from` after `to`",
    )
    for table in ("population", "baseline", "possession-offences")
]


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


async def test_every_protected_operation_documents_its_problems(client: httpx.AsyncClient) -> None:
    document = await openapi(client)
    for path, item in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, op in item.items():
            documented = set(op["responses"])
            assert {"401", "403", "422", "500", "503"} <= documented, (method, path)
            if "{" in path:
                assert "404" in documented, (method, path)


async def test_every_report_documents_its_csv(client: httpx.AsyncClient) -> None:
    document = await openapi(client)
    assert {"/v1/reports/summary", "/v1/reports/timeliness", "/v1/reports/needs"} <= set(REPORTS)
    for path in REPORTS:
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert {"application/json", "text/csv"} <= set(content), path


def bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def schema_for(role: str, settings_: Settings, auth: AuthHeaders) -> Iterator[Any]:
    # Its own app: schemathesis calls it from its own event loop thread, where this app's
    # database connections then live; the lifespan shutdown closes them there.
    application = create_app(settings_, start_background=False)
    config = fuzz_config(bearer(auth(role)), REFUSALS)
    loaded = schemathesis.openapi.from_asgi("/openapi.json", application, config=config)
    yield loaded
    shutdown_lifespans()


@pytest.fixture
def analyst_schema(
    projected: list[JourneyEvents], reporting_settings: Settings, auth: AuthHeaders
) -> Iterator[Any]:
    yield from schema_for("analyst", reporting_settings, auth)


@pytest.fixture
def admin_schema(
    projected: list[JourneyEvents], reporting_settings: Settings, auth: AuthHeaders
) -> Iterator[Any]:
    yield from schema_for("admin", reporting_settings, auth)


FUZZING = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases on every run: CI answers for the code, not the draw
)


def fuzz(case: Any) -> None:
    # The generation the migration made exists: a well-formed one asks for it, so the call
    # reaches the answer and not only the 404 (a malformed one is left to test the 422).
    generation = (case.path_parameters or {}).get("generation")
    if isinstance(generation, int) and generation > 1:
        case.path_parameters["generation"] = 1
    # A force's settings and tables are its own administrators': the caller's force, so the
    # call reaches them (another force's is a 403, the authorisation tests' business).
    if "force" in (case.path_parameters or {}):
        case.path_parameters["force"] = "demo"
    # Rebuilds and reports are the whole scheme's or one force's: nothing is read by an id
    # another force could be refused, so there is no second force's caller to check here.
    case.call_and_validate()


@(
    schemathesis.pytest.from_fixture("analyst_schema")
    .include(operation_id=sorted(CALLERS["analyst"]))
    .parametrize()
)
@FUZZING
def test_what_analysts_call_keeps_its_documented_promises(case: Any) -> None:
    fuzz(case)


@(
    schemathesis.pytest.from_fixture("admin_schema")
    .include(operation_id=sorted(CALLERS["admin"]))
    .parametrize()
)
@FUZZING
def test_what_admins_call_keeps_its_documented_promises(case: Any) -> None:
    fuzz(case)


async def test_every_operation_is_fuzzed_by_a_role_that_may_call_it(
    client: httpx.AsyncClient,
) -> None:
    document = await openapi(client)
    operations = {
        op["operationId"]
        for path, item in document["paths"].items()
        if path.startswith("/v1/")
        for op in item.values()
    }
    assert operations == frozenset().union(*CALLERS.values())


async def test_no_route_waits_for_the_thread_pool(app: FastAPI) -> None:
    # a plain `def` dependency or endpoint is run on a worker thread: a hand-off per request
    assert threadpool_dependencies(app) == []
