"""The OpenAPI document: every request body's example works against the seeded demonstration,
create responses carry links, and schemathesis finds no server error, no undocumented status and
no response that breaks its schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from scheduling_api.config import Settings
from scheduling_api.main import create_app
from scheduling_api.seed import seed
from servicekit_testing.threadpool import threadpool_dependencies

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def openapi(desk: Desk) -> dict[str, Any]:
    response = await desk.client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def examples_of(operation: dict[str, Any]) -> dict[str, Any]:
    content = operation["requestBody"]["content"]["application/json"]
    return {name: example["value"] for name, example in content.get("examples", {}).items()}


async def prepare(desk: Desk, operation_id: str, path: str, body: Any) -> tuple[str, Any, Any]:
    """The URL, body and headers to try an example with, on the seeded demonstration."""
    if operation_id == "create_course_type":  # the demo force has every course already
        return path, body, desk.auth("admin", forces=("northshire",))
    if operation_id == "create_session":
        return path, body, desk.auth("facilitator", sub="demo-facilitator-1")
    facilitator = desk.auth("facilitator", sub="demo-facilitator-1")
    if operation_id == "change_session":
        listed = await desk.client.get("/v1/sessions", headers=facilitator)
        return path.format(session_id=listed.json()["items"][0]["id"]), body, facilitator
    assert operation_id == "record_attendance", operation_id
    referral_id = await desk.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    await desk.start_session(str(booking.session_id))
    marks = [{**m, "booking_id": str(booking.id)} for m in body["marks"]]
    return (
        path.format(session_id=booking.session_id),
        {"marks": marks},
        desk.auth("facilitator", sub="demo-facilitator-1"),
    )


async def test_every_request_body_example_succeeds_against_the_demo_data(
    desk: Desk, scheduling_database: str
) -> None:
    await seed(scheduling_database)
    document = await openapi(desk)
    operations = {
        (method.upper(), path): op
        for path, item in document["paths"].items()
        for method, op in item.items()
        if "requestBody" in op
    }
    assert len(operations) == 4
    for (method, path), operation in sorted(operations.items()):
        examples = examples_of(operation)
        assert examples, f"{method} {path} has no request body example"
        for name, example in examples.items():
            url, body, headers = await prepare(desk, operation["operationId"], path, example)
            response = await desk.client.request(method, url, json=body, headers=headers)
            assert response.status_code in (200, 201), (method, path, name, response.text)


async def test_create_responses_link_to_what_they_created(desk: Desk) -> None:
    document = await openapi(desk)
    operation_ids = {
        op["operationId"] for item in document["paths"].values() for op in item.values()
    }
    creates = [
        (path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method == "post" and "201" in op["responses"]
    ]
    assert len(creates) == 3
    for path, op in creates:
        links = op["responses"]["201"].get("links")
        assert links, f"POST {path} has no links"
        assert {link["operationId"] for link in links.values()} <= operation_ids


async def test_every_protected_operation_documents_its_problems(desk: Desk) -> None:
    document = await openapi(desk)
    for path, item in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, op in item.items():
            documented = set(op["responses"])
            assert {"401", "403", "422", "500", "503"} <= documented, (method, path)
            if "{" in path:
                assert "404" in documented, (method, path)


@pytest.fixture
async def live_records(desk: Desk) -> dict[str, str]:
    """Records schemathesis can reach: a session with a booking."""
    course = await desk.course()
    seat = await desk.session(course, in_days=4)
    await desk.session(course, in_days=6)
    referral_id = await desk.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    return {"session_id": seat["id"], "booking_id": str(booking.id)}


@pytest.fixture
def api_schema(live_records: dict[str, str], scheduling_settings: Settings) -> Iterator[Any]:
    # Its own app: schemathesis calls it from its own event loop thread, where this app's
    # database connections then live; the lifespan shutdown closes them there.
    application = create_app(scheduling_settings, start_background=False)
    yield schemathesis.openapi.from_asgi("/openapi.json", application)
    shutdown_lifespans()


schema = schemathesis.pytest.from_fixture("api_schema")


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases on every run: CI answers for the code, not the draw
)
def test_the_api_keeps_its_documented_promises(
    case: Any, live_records: dict[str, str], auth: Any
) -> None:
    # Generated ids are random; swap well-formed ones for the live records so the calls reach
    # the domain logic (malformed ids are left to test the 422 path).
    for name, record_id in live_records.items():
        if case.path_parameters and is_uuid(case.path_parameters.get(name, "x")):
            case.path_parameters[name] = record_id
    path = case.operation.path
    if path.startswith("/v1/course-types"):
        headers = auth("admin", sub="admin-1")
    elif path.startswith("/v1/bookings"):
        headers = auth("worker")
    else:
        headers = auth("facilitator")
    # Domain rules the schema cannot express (a start in the future, a course of the force)
    # rightly answer 422 to schema-valid input. Negative data is left out too: the token here is
    # chosen per path, so a case drawn without its Authorization header is sent with one. The
    # other services' documents are fuzzed with every check through servicekit_testing.fuzzing,
    # whose single-token configuration this service's per-role routes do not fit yet.
    case.call_and_validate(
        headers=headers, excluded_checks=[positive_data_acceptance, negative_data_rejection]
    )


async def test_no_route_waits_for_the_thread_pool(app: FastAPI) -> None:
    # a plain `def` dependency or endpoint is run on a worker thread: a hand-off per request
    assert threadpool_dependencies(app) == []
