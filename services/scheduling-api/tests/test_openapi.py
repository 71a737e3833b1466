"""The OpenAPI document: every request body's example works against the seeded demonstration,
create responses carry links, and schemathesis finds no server error, no undocumented status and
no response that breaks its schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.python.asgi import shutdown_lifespans

from scheduling_api.config import Settings
from scheduling_api.main import create_app
from scheduling_api.seed import seed
from servicekit_testing.fuzzing import (
    Refusal,
    fresh_idempotency_key,
    fuzz_config,
    unseen_by_another_force,
)
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
    if operation_id in ("create_session", "publish_availability"):
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
    assert len(operations) == 5
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
    assert len(creates) == 4
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
    """Records schemathesis can reach: a session with a booking, a window of availability, and
    a reminder of the booking that failed."""
    course = await desk.course()
    seat = await desk.session(course, in_days=4)
    await desk.session(course, in_days=6)
    referral_id = await desk.assessed()
    booking = await desk.booking_of(referral_id)
    assert booking is not None
    await desk.client.post(
        "/v1/course-types",
        json={"pathway": "one_to_one", "name": "One-to-one", "duration_minutes": 60},
        headers=desk.admin,
    )
    window = await desk.client.post(
        "/v1/availability",
        json={
            "date": (date.today() + timedelta(days=9)).isoformat(),
            "from_time": "09:00",
            "to_time": "11:00",
            "join_link": "https://meet.example.org/one-to-one",
        },
        headers=desk.facilitator,
    )
    assert window.status_code == 201, window.text
    return {
        "reminder_id": await desk.failed_reminder(booking),
        "session_id": seat["id"],
        "booking_id": str(booking.id),
        "availability_id": window.json()["id"],
    }


# Who calls what. schemathesis fuzzes each operation with the token of a role that may call it
# (what every other role gets is the authorisation tests' business), so every check runs,
# positive data acceptance included. A new operation must be given a caller here.
CALLERS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {"list_course_types", "create_course_type", "list_reminders", "retry_reminder"}
    ),
    "facilitator": frozenset(
        {
            "list_sessions",
            "create_session",
            "get_session",
            "change_session",
            "record_attendance",
            "get_capacity",
            "list_availability",
            "publish_availability",
            "get_availability",
            "withdraw_availability",
            "list_unmarked_sessions",
            "get_session_calendar",
            "get_facilitator_calendar",
        }
    ),
    "worker": frozenset({"list_bookings", "get_booking", "rebook"}),
}

# Schema-valid data the server rightly refuses, by a rule of the session's state, the clock or
# the caller's force that the JSON Schema does not state: only these operations may answer so.
REFUSALS = [
    Refusal("GET", "/v1/sessions", [422], "a cursor the list did not write (it is opaque)"),
    Refusal("GET", "/v1/bookings", [422], "a cursor the list did not write (it is opaque)"),
    Refusal("GET", "/v1/availability", [422], "a cursor the list did not write (it is opaque)"),
    Refusal(
        "POST",
        "/v1/availability",
        [422],
        "a window in the past, closing before it opens or shorter than one appointment; a time "
        "the clocks skip; a force not the caller's; another facilitator named by a facilitator; "
        "a venue or language of only spaces",
    ),
    Refusal(
        "GET", "/v1/sessions/unmarked", [422], "a cursor the list did not write (it is opaque)"
    ),
    Refusal(
        "POST",
        "/v1/sessions",
        [422],
        "a start in the past; a course the caller's force does not run; a join link for a "
        "session at a venue",
    ),
    Refusal(
        "POST",
        "/v1/course-types",
        [422],
        "a name too short once surrounding whitespace is trimmed",
    ),
    Refusal(
        "POST",
        "/v1/sessions/{session_id}/attendance",
        [422],
        "a booking that is not on this session; one booking marked twice in one call",
    ),
]


def bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def token_of(auth: Any, role: str) -> dict[str, str]:
    headers: dict[str, str] = auth(role, sub="admin-1" if role == "admin" else None)
    return headers


def schema_for(role: str, settings_: Settings, auth: Any) -> Iterator[Any]:
    # Its own app: schemathesis calls it from its own event loop thread, where this app's
    # database connections then live; the lifespan shutdown closes them there.
    application = create_app(settings_, start_background=False)
    config = fuzz_config(bearer(token_of(auth, role)), REFUSALS)
    loaded = schemathesis.openapi.from_asgi("/openapi.json", application, config=config)
    yield loaded
    shutdown_lifespans()


@pytest.fixture
def admin_schema(live_records: dict[str, str], scheduling_settings: Settings, auth: Any) -> Any:
    yield from schema_for("admin", scheduling_settings, auth)


@pytest.fixture
def facilitator_schema(
    live_records: dict[str, str], scheduling_settings: Settings, auth: Any
) -> Any:
    yield from schema_for("facilitator", scheduling_settings, auth)


@pytest.fixture
def worker_schema(live_records: dict[str, str], scheduling_settings: Settings, auth: Any) -> Any:
    yield from schema_for("worker", scheduling_settings, auth)


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def fuzz(case: Any, role: str, live_records: dict[str, str], auth: Any) -> None:
    # Generated ids are random; swap well-formed ones for the live records so the calls reach
    # the domain logic (malformed ids are left to test the 422 path).
    for name, record_id in live_records.items():
        if case.path_parameters and is_uuid(case.path_parameters.get(name, "x")):
            case.path_parameters[name] = record_id
    fresh_idempotency_key(case)
    # the same role at another force: what this caller read by id is a 404 to them
    other_force = auth(role, forces=("northshire",), sub="admin-1" if role == "admin" else None)
    case.call_and_validate(additional_checks=[unseen_by_another_force(other_force)])


FUZZING = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases on every run: CI answers for the code, not the draw
)


@(
    schemathesis.pytest.from_fixture("admin_schema")
    .include(operation_id=sorted(CALLERS["admin"]))
    .parametrize()
)
@FUZZING
def test_what_admins_call_keeps_its_documented_promises(
    case: Any, live_records: dict[str, str], auth: Any
) -> None:
    fuzz(case, "admin", live_records, auth)


@(
    schemathesis.pytest.from_fixture("facilitator_schema")
    .include(operation_id=sorted(CALLERS["facilitator"]))
    .parametrize()
)
@FUZZING
def test_what_facilitators_call_keeps_its_documented_promises(
    case: Any, live_records: dict[str, str], auth: Any
) -> None:
    fuzz(case, "facilitator", live_records, auth)


@(
    schemathesis.pytest.from_fixture("worker_schema")
    .include(operation_id=sorted(CALLERS["worker"]))
    .parametrize()
)
@FUZZING
def test_what_workers_call_keeps_its_documented_promises(
    case: Any, live_records: dict[str, str], auth: Any
) -> None:
    fuzz(case, "worker", live_records, auth)


async def test_every_operation_is_fuzzed_by_a_role_that_may_call_it(desk: Desk) -> None:
    document = await openapi(desk)
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
