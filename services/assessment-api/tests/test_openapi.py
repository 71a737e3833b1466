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
from schemathesis.specs.openapi.checks import positive_data_acceptance

from assessment_api.assessments.schemas import example_assessment
from assessment_api.config import Settings
from assessment_api.main import create_app
from assessment_api.safeguarding.schemas import example_safeguarding_referral
from assessment_api.support.schemas import example_support_referral
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


async def test_every_request_body_example_succeeds_against_the_demo_data(desk: Desk) -> None:
    document = await openapi(desk)
    operations = {
        (method.upper(), path): op
        for path, item in document["paths"].items()
        for method, op in item.items()
        if "requestBody" in op
    }
    assert operations, "no request bodies documented"
    tried = 0
    for (method, path), operation in sorted(operations.items()):
        examples = examples_of(operation)
        assert examples, f"{method} {path} has no request body example"
        for name, body in examples.items():
            url = await prepare(desk, operation["operationId"], path)
            response = await desk.client.request(method, url, json=body, headers=desk.worker)
            assert response.status_code in (200, 201), (method, path, name, response.text)
            tried += 1
    assert tried >= 8


async def prepare(desk: Desk, operation_id: str, path: str) -> str:
    """A fresh demo-force record in the state the operation needs; returns the URL to call."""
    if operation_id == "record_contact_attempt":
        return path.format(case_id=await desk.new_case())
    case_id = await desk.contacted_case()
    if operation_id == "complete_assessment":
        assert (await desk.save(case_id, example_assessment())).status_code == 200
    if operation_id == "follow_up_safeguarding_referral":
        raised = await desk.client.post(
            f"/v1/cases/{case_id}/safeguarding-referrals",
            json=example_safeguarding_referral(),
            headers=desk.worker,
        )
        return path.format(safeguarding_referral_id=raised.json()["id"])
    return path.format(case_id=case_id)


async def test_create_responses_link_to_what_they_created(desk: Desk) -> None:
    document = await openapi(desk)
    operation_ids = {
        op["operationId"] for item in document["paths"].values() for op in item.values()
    }
    creates = [
        (path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method == "post"
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


def schema_of(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found


async def test_body_rules_the_schema_can_state_are_stated(desk: Desk) -> None:
    document = await openapi(desk)
    agreed = schema_of(document, "SupportReferralIn")["properties"]["person_agreed"]
    assert agreed["const"] is True
    advice = schema_of(document, "AssessmentIn")["properties"]["advice_given"]
    assert advice["uniqueItems"] is True
    # and the server keeps them
    case_id = await desk.contacted_case()
    refused = await desk.client.post(
        f"/v1/cases/{case_id}/support-referrals",
        json=example_support_referral() | {"person_agreed": False},
        headers=desk.worker,
    )
    assert refused.status_code == 422, refused.text
    twice = await desk.save(case_id, example_assessment() | {"advice_given": ["driving"] * 2})
    assert twice.status_code == 422, twice.text


@pytest.fixture
async def live_records(desk: Desk) -> dict[str, str]:
    """Records schemathesis can reach: a contacted case and an open safeguarding referral."""
    case_id = await desk.contacted_case()
    raised = await desk.client.post(
        f"/v1/cases/{case_id}/safeguarding-referrals",
        json=example_safeguarding_referral(),
        headers=desk.worker,
    )
    await desk.new_case()
    return {"case_id": case_id, "safeguarding_referral_id": raised.json()["id"]}


@pytest.fixture
def api_schema(live_records: dict[str, str], assessment_settings: Settings) -> Iterator[Any]:
    # Its own app: schemathesis calls it from its own event loop thread, where this app's
    # database connections then live; the lifespan shutdown closes them there.
    application = create_app(assessment_settings, start_background=False)
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
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_documented_promises(
    case: Any, live_records: dict[str, str], auth: Any
) -> None:
    # Generated ids are random; swap well-formed ones for the live records so the calls reach
    # the domain logic (malformed ids are left to test the 422 path).
    for name, record_id in live_records.items():
        if case.path_parameters and is_uuid(case.path_parameters.get(name, "x")):
            case.path_parameters[name] = record_id
    # Domain rules the schema cannot express (a time in the future, a service not in the
    # directory, an override to the proposed pathway) rightly answer 422 to schema-valid input.
    case.call_and_validate(headers=auth(), excluded_checks=[positive_data_acceptance])


async def test_no_route_waits_for_the_thread_pool(app: FastAPI) -> None:
    # a plain `def` dependency or endpoint is run on a worker thread: a hand-off per request
    assert threadpool_dependencies(app) == []
