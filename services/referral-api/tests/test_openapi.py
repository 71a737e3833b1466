"""The OpenAPI document says what the server enforces: schemathesis, with every check, operation
by operation and along the document's links, with two forces' callers, finds nothing; and every
example works."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from contracts.vocabulary import ReferralOutcome
from referral_api.clients.schemas import example_client
from referral_api.config import Settings
from referral_api.main import create_app
from servicekit_testing.fuzzing import (
    Refusal,
    fresh_idempotency_key,
    fuzz_config,
    is_positive,
    unseen_by_another_force,
)
from servicekit_testing.threadpool import threadpool_dependencies

from .conftest import TokenFactory
from .helpers import AuthHeaders, close_referral, referral_body, scalar, sequence, submit

NOW = datetime.now(UTC)

pytestmark = pytest.mark.db


# Schema-valid data the server rightly refuses, by a rule of the caller's force or between fields
# and today's date that a JSON Schema cannot state: only these operations may answer it so.
REFUSALS = [
    Refusal(
        "POST",
        "/v1/eligibility-checks",
        [422],
        "answers to questions the force does not ask; a birth date after the encounter or over "
        "120 years before it",
    ),
    Refusal(
        "POST",
        "/v1/referrals",
        [422],
        "an area the force does not have; an encounter in the future or over 30 days ago; a "
        "substance listed twice; a main substance not found; an ineligible person",
    ),
    Refusal(
        "GET",
        "/v1/referrals",
        [422],
        "a cursor this list did not write (it is opaque); submitted_from after submitted_to",
    ),
    Refusal(
        "POST",
        "/v1/integration-clients",
        [422],
        "an issuer the deployment does not trust for the force; a force not the administrator's",
    ),
    Refusal("GET", "/v1/integration-clients", [422], "a cursor this list did not write"),
    Refusal("POST", "/v1/officers", [422], "a force not the administrator's"),
    Refusal("GET", "/v1/outcomes", [422], "a cursor the feed did not write (it is opaque)"),
    Refusal("GET", "/v1/webhooks", [422], "a cursor this list did not write (it is opaque)"),
    Refusal(
        "GET",
        "/v1/webhooks/{webhook_id}/deliveries",
        [422],
        "a cursor this list did not write (it is opaque)",
    ),
    Refusal(
        "POST",
        "/v1/webhooks",
        [422],
        "a force the caller does not administer here; a URL that is not https to a public "
        "address (the schema states only its shape)",
    ),
]


async def public_address(host: str, port: int) -> list[str]:
    """Every host name resolves to a public address: the network is not the test's subject."""
    return ["93.184.216.34"]


@pytest.fixture
def fuzz_app(referral_settings: Settings) -> Iterator[FastAPI]:
    # schemathesis calls the app through a synchronous test client, one event loop per call,
    # so connections must not outlive a call
    app = create_app(referral_settings, start_background=False, null_pool=True)
    app.state.resolve_host = public_address
    yield app


@pytest.fixture
def api_schema(fuzz_app: FastAPI, token: TokenFactory) -> Any:
    config = fuzz_config(token("officer"), REFUSALS)
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app, config=config)


@pytest.fixture
async def live_referral(client: httpx.AsyncClient, auth: AuthHeaders) -> str:
    """A referral the demonstration force's officer made, for generated ids to be swapped for."""
    response = await submit(client, auth())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


schema = schemathesis.pytest.from_fixture("api_schema")


def another_force(token: TokenFactory) -> dict[str, str]:
    return {"Authorization": f"Bearer {token('officer', force='northshire')}"}


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases on every run: CI answers for the code, not the draw
)
def test_schemathesis_finds_nothing(case: Any, token: TokenFactory, live_referral: str) -> None:
    # A well-formed generated id is swapped for a live referral so reads reach the record, and
    # a schema-valid Idempotency-Key is made new for each call, as a client makes one per
    # request: a generated key drawn twice for two bodies is rightly a 422.
    if case.path_parameters and is_uuid(case.path_parameters.get("referral_id", "x")):
        case.path_parameters["referral_id"] = live_referral
    fresh_idempotency_key(case)
    case.call_and_validate(additional_checks=[unseen_by_another_force(another_force(token))])


# Who calls what besides the officer, whose token fuzzes every operation above (and is refused
# the others): each operation is fuzzed again by a role that may call it, so every check runs,
# positive data acceptance included. A new operation for these roles must be named here.
CALLERS: dict[str, list[str]] = {
    "admin": [
        "register_integration_client",
        "list_integration_clients",
        "get_integration_client",
        "suspend_integration_client",
        "reinstate_integration_client",
        "revoke_integration_client",
        "register_officer",
        "create_webhook",
        "list_webhooks",
        "get_webhook",
        "change_webhook",
        "rotate_webhook_secret",
        "list_webhook_deliveries",
        "redeliver_webhook_message",
        "delete_webhook",
    ],
    "integration": ["get_referral_fhir", "list_outcomes"],
}


@pytest.fixture
async def live_client(client: httpx.AsyncClient, auth: AuthHeaders) -> str:
    """An integration client of the demonstration force, for generated ids to be swapped for."""
    response = await client.post(
        "/v1/integration-clients", json=example_client(), headers=auth(role="admin")
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def schema_as(role: str, settings_: Settings, token: TokenFactory) -> Any:
    application = create_app(settings_, start_background=False, null_pool=True)
    application.state.resolve_host = public_address
    config = fuzz_config(token(role), REFUSALS)
    return schemathesis.openapi.from_asgi("/openapi.json", application, config=config)


@pytest.fixture
def admin_schema(referral_settings: Settings, token: TokenFactory) -> Any:
    return schema_as("admin", referral_settings, token)


@pytest.fixture
def integration_schema(referral_settings: Settings, token: TokenFactory) -> Any:
    return schema_as("integration", referral_settings, token)


def fuzz_as(case: Any, role: str, token: TokenFactory, live: dict[str, str]) -> None:
    for name, record_id in live.items():
        if case.path_parameters and is_uuid(case.path_parameters.get(name, "x")):
            case.path_parameters[name] = record_id
    fresh_idempotency_key(case)
    other_force = {"Authorization": f"Bearer {token(role, force='northshire')}"}
    case.call_and_validate(additional_checks=[unseen_by_another_force(other_force)])


@(
    schemathesis.pytest.from_fixture("admin_schema")
    .include(operation_id=CALLERS["admin"])
    .parametrize()
)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_what_admins_call_keeps_its_documented_promises(
    case: Any, token: TokenFactory, live_client: str, live_webhook: dict[str, str]
) -> None:
    fuzz_as(case, "admin", token, {"integration_client_id": live_client, **live_webhook})


@(
    schemathesis.pytest.from_fixture("integration_schema")
    .include(operation_id=CALLERS["integration"])
    .parametrize()
)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_what_force_systems_call_keeps_its_documented_promises(
    case: Any, token: TokenFactory, live_referral: str
) -> None:
    fuzz_as(case, "integration", token, {"referral_id": live_referral})


def journey_referral() -> dict[str, Any]:
    """A referral the demonstration force accepts, of someone new each time."""
    return referral_body(given_name="Sam", family_name="Journey" + uuid.uuid4().hex[:8])


@pytest.fixture
def journeys(api_schema: Any, token: TokenFactory) -> type[Any]:
    """schemathesis's stateful phase: calls chained by the document's links (a referral made,
    then read, withdrawn, listed, paged), each read checked against another force's caller."""
    other_force = unseen_by_another_force(another_force(token))

    class Journeys(api_schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            fresh_idempotency_key(case)
            if (case.method, case.path) == ("POST", "/v1/referrals") and is_positive(case):
                # generated areas are almost never the force's: start the journeys from a
                # referral it accepts (the operation's own test fuzzes the body)
                case.body = journey_referral()

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
    app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    app.state.resolve_host = public_address
    document = await _openapi(client)
    # a referral, an integration client and a webhook endpoint to act on for paths with an id
    created = {"{referral_id}": "", "{integration_client_id}": "", "{webhook_id}": ""}
    # revocation is final: it comes last, after the suspension and the reinstatement
    ordered = sorted(
        _bodies(document), key=lambda item: ("{" in item[1], item[1].endswith("/revocation"))
    )
    for method, path, content in ordered:
        for example in content["examples"].values():
            target = path
            for name, value in created.items():
                target = target.replace(name, value)
            # the registries and the webhooks are the administrator's
            admins = ("/v1/integration-clients", "/v1/officers", "/v1/webhooks")
            role = "admin" if path.startswith(admins) else "officer"
            headers = auth(role=role) | {"Idempotency-Key": str(uuid.uuid4())}
            response = await client.request(method, target, json=example["value"], headers=headers)
            assert response.status_code in (200, 201), f"{method} {target}: {response.text}"
            if path == "/v1/referrals":
                created["{referral_id}"] = response.json()["id"]
            if path == "/v1/integration-clients":
                created["{integration_client_id}"] = response.json()["id"]
            if path == "/v1/webhooks":
                created["{webhook_id}"] = response.json()["id"]
    assert await scalar(referral_database, "SELECT count(*) FROM referrals") == 1


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


async def test_every_protected_operation_names_the_bearer_scheme(
    client: httpx.AsyncClient,
) -> None:
    document = await _openapi(client)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    protected = 0
    for method, path, operation in _operations(document):
        if path.startswith("/v1/"):
            assert operation.get("security") == [{"bearer": []}], (method, path)
            protected += 1
            response = await client.request(method, re.sub(r"\{\w+\}", "x", path))
            assert response.status_code == 401, (method, path)
        else:
            assert "security" not in operation, (method, path)
    assert protected >= 6


async def test_the_idempotency_key_is_declared_where_taken_and_required_where_required(
    client: httpx.AsyncClient,
) -> None:
    document = await _openapi(client)
    declared = {
        (method, path): parameter
        for method, path, operation in _operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "Idempotency-Key"
    }
    assert {key: p["required"] for key, p in declared.items()} == {
        ("POST", "/v1/referrals"): True,
        ("POST", "/v1/referrals/{referral_id}/withdrawal"): False,
        ("POST", "/v1/integration-clients"): False,
    }
    for parameter in declared.values():
        assert parameter["in"] == "header"
        assert parameter["schema"]["minLength"] == 8
        assert parameter["schema"]["maxLength"] == 200
        assert parameter["schema"]["pattern"]


async def test_cursors_are_opaque_text_from_next_cursor(client: httpx.AsyncClient) -> None:
    document = await _openapi(client)
    (cursor,) = [
        parameter
        for parameter in document["paths"]["/v1/referrals"]["get"]["parameters"]
        if parameter["name"] == "cursor"
    ]
    assert "next_cursor" in cursor["description"]
    assert "opaque" in cursor["description"].lower()
    for schema in cursor["schema"]["anyOf"]:
        assert "format" not in schema and "pattern" not in schema


async def test_lists_link_to_their_items_and_their_next_page(client: httpx.AsyncClient) -> None:
    document = await _openapi(client)
    links = document["paths"]["/v1/referrals"]["get"]["responses"]["200"]["links"]
    assert links["GetFirstReferral"]["operationId"] == "get_referral"
    assert links["NextPage"]["parameters"] == {"cursor": "$response.body#/next_cursor"}


async def test_no_route_waits_for_the_thread_pool(app: FastAPI) -> None:
    # a plain `def` dependency or endpoint is run on a worker thread: a hand-off per request
    assert threadpool_dependencies(app) == []


@pytest.fixture
async def live_webhook(
    app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders, referral_settings: Settings
) -> dict[str, str]:
    """A demonstration endpoint with one message owed to it, and that outcome in the feed."""
    app.state.resolve_host = public_address
    body = {"force": "demo", "url": "https://rms.example.police.uk/h", "description": "RMS"}
    created = await client.post("/v1/webhooks", json=body, headers=auth(role="admin"))
    assert created.status_code == 201, created.text
    referral = (await submit(client, auth())).json()
    await close_referral(referral_settings, referral["id"], ReferralOutcome.completed, NOW)
    await sequence(referral_settings)
    webhook_id = created.json()["id"]
    listed = await client.get(f"/v1/webhooks/{webhook_id}/deliveries", headers=auth(role="admin"))
    return {"webhook_id": webhook_id, "delivery_id": listed.json()["items"][0]["id"]}
