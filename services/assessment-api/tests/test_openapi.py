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

from assessment_api.assessments.schemas import example_assessment
from assessment_api.config import Settings
from assessment_api.main import create_app
from assessment_api.safeguarding.schemas import example_safeguarding_referral
from assessment_api.support.schemas import example_support_referral
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


async def test_rules_between_fields_the_schema_can_state_are_stated(desk: Desk) -> None:
    document = await openapi(desk)
    need = schema_of(document, "NeedIn")
    assert need["if"] == {"properties": {"level": {"const": "none"}}}
    assert need["then"] == {"properties": {"action": {"const": "none"}}}
    by_channel = {
        rule["if"]["properties"]["channel"]["const"]: set(
            rule["then"]["properties"]["result"]["enum"]
        )
        for rule in schema_of(document, "ContactAttemptIn")["allOf"]
    }
    assert "replied" not in by_channel["phone"] and "answered" not in by_channel["letter"]
    use = schema_of(document, "SubstanceUseSection")
    assert use["if"]["properties"] == {"injecting": {"const": False}}
    # and the server keeps them
    case_id = await desk.new_case()
    refused = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts",
        json={"channel": "letter", "result": "answered"},
        headers=desk.worker,
    )
    assert refused.status_code == 422, refused.text
    assessment = example_assessment()
    assessment["needs"]["housing"] = {"level": "none", "action": "referred"}
    contacted = await desk.contacted_case()
    assert (await desk.save(contacted, assessment)).status_code == 422
    assessment = example_assessment()
    assessment["substance_use"]["injecting"] = False
    assessment["substance_use"]["substances"][0]["route"] = "injected"
    assert (await desk.save(contacted, assessment)).status_code == 422


async def test_every_protected_operation_names_the_bearer_scheme(desk: Desk) -> None:
    document = await openapi(desk)
    for path, item in document["paths"].items():
        for method, op in item.items():
            if path.startswith("/v1/"):
                assert op.get("security") == [{"bearer": []}], (method, path)
            else:
                assert "security" not in op, (method, path)


async def test_idempotency_keys_are_optional_and_state_the_servers_rule(desk: Desk) -> None:
    document = await openapi(desk)
    keyed = [
        (method, path, parameter)
        for path, item in document["paths"].items()
        for method, op in item.items()
        for parameter in op.get("parameters", [])
        if parameter["name"] == "Idempotency-Key"
    ]
    assert len(keyed) == 5
    for method, path, parameter in keyed:
        assert parameter["in"] == "header" and parameter["required"] is False, (method, path)
        assert (parameter["schema"]["minLength"], parameter["schema"]["maxLength"]) == (8, 200)


async def test_lists_link_to_their_items_and_next_pages(desk: Desk) -> None:
    document = await openapi(desk)
    for path, get in (
        ("/v1/cases", "get_case"),
        ("/v1/safeguarding-referrals", "get_safeguarding_referral"),
    ):
        links = document["paths"][path]["get"]["responses"]["200"]["links"]
        assert get in {link["operationId"] for link in links.values()}, path
        assert {"cursor": "$response.body#/next_cursor"} in [
            link.get("parameters") for link in links.values()
        ], path


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


# Schema-valid data the server rightly refuses, by a rule of the case's state, the directory,
# the clock or between fields that the JSON Schema does not state: only these operations may
# answer it so.
REFUSALS = [
    Refusal("GET", "/v1/cases", [422], "a cursor the list did not write; due_from after due_to"),
    Refusal(
        "GET",
        "/v1/safeguarding-referrals",
        [422],
        "a cursor the list did not write (it is opaque)",
    ),
    Refusal(
        "GET",
        "/v1/services",
        [422],
        "a cursor the list did not write; a postcode that is not a postcode or district",
    ),
    Refusal(
        "POST",
        "/v1/cases/{case_id}/contact-attempts",
        [422],
        "an attempt in the future or before the referral was made",
    ),
    Refusal(
        "PUT",
        "/v1/cases/{case_id}/assessment",
        [422],
        "a substance listed twice",
    ),
    Refusal(
        "POST",
        "/v1/cases/{case_id}/assessment/completion",
        [422],
        "an assessment not yet complete; an override to the pathway already proposed",
    ),
    Refusal(
        "POST",
        "/v1/cases/{case_id}/support-referrals",
        [422],
        "a service not in the directory for the case's area, or not listed for the need",
    ),
    # Strict models trim surrounding whitespace before minLength is checked, which the schema
    # cannot say without restating every length as a pattern.
    Refusal(
        "POST",
        "/v1/cases/{case_id}/safeguarding-referrals",
        [422],
        "a concern or agency too short once surrounding whitespace is trimmed",
    ),
    Refusal(
        "PATCH",
        "/v1/safeguarding-referrals/{safeguarding_referral_id}",
        [422],
        "a note too short once surrounding whitespace is trimmed",
    ),
]


def bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def api_schema(
    live_records: dict[str, str], assessment_settings: Settings, auth: Any
) -> Iterator[Any]:
    # Its own app: schemathesis calls it from its own event loop thread, where this app's
    # database connections then live; the lifespan shutdown closes them there.
    application = create_app(assessment_settings, start_background=False)
    config = fuzz_config(bearer(auth()), REFUSALS)
    yield schemathesis.openapi.from_asgi("/openapi.json", application, config=config)
    shutdown_lifespans()


schema = schemathesis.pytest.from_fixture("api_schema")


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def another_force(auth: Any) -> dict[str, str]:
    """A worker of the same provider for Northshire: the demo force's cases are not theirs."""
    headers: dict[str, str] = auth(forces=("northshire",))
    return headers


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
    fresh_idempotency_key(case)
    case.call_and_validate(additional_checks=[unseen_by_another_force(another_force(auth))])


@pytest.fixture
def journeys(api_schema: Any, auth: Any) -> type[Any]:
    """schemathesis's stateful phase: calls chained by the document's links (the queue, a case,
    its contact attempts, assessment and referrals), each read checked against another force."""
    other_force = unseen_by_another_force(another_force(auth))

    class Journeys(api_schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            fresh_idempotency_key(case)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            kwargs.pop("additional_checks", None)
            super().validate_response(response, case, additional_checks=[other_force], **kwargs)

    return Journeys


def test_schemathesis_follows_the_links_and_finds_nothing(journeys: type[Any]) -> None:
    journeys.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )


async def test_no_route_waits_for_the_thread_pool(app: FastAPI) -> None:
    # a plain `def` dependency or endpoint is run on a worker thread: a hand-off per request
    assert threadpool_dependencies(app) == []
