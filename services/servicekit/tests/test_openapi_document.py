"""The OpenAPI document says what the kit enforces: bearer tokens, Idempotency-Key, readiness."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from kit_fixture_support import Service

pytestmark = pytest.mark.db


def operation(service: Service, method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = service.app.openapi()["paths"][path][method]
    return found


def key_parameter(service: Service, method: str, path: str) -> dict[str, Any]:
    parameters = operation(service, method, path).get("parameters", [])
    keys = [p for p in parameters if p["name"] == "Idempotency-Key"]
    assert len(keys) == 1, parameters
    return dict(keys[0])


async def test_a_bearer_scheme_guards_every_protected_operation_and_nothing_else(
    service: Service,
) -> None:
    document = service.app.openapi()
    schemes = document["components"]["securitySchemes"]
    assert schemes == {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": schemes["bearer"]["description"],
        }
    }
    for path in ("/whoami", "/admin", "/records", "/notes/{note_id}"):
        assert operation(service, "get", path)["security"] == [{"bearer": []}], path
    assert operation(service, "post", "/idempotent-notes")["security"] == [{"bearer": []}]
    for path in ("/health", "/ready"):
        assert "security" not in operation(service, "get", path), path
    # what the document promises, the server keeps
    assert (await service.client.get("/whoami")).status_code == 401
    assert (await service.client.get("/ready")).status_code == 200


async def test_a_required_idempotency_key_is_declared_with_the_servers_own_rule(
    service: Service,
) -> None:
    declared = key_parameter(service, "post", "/idempotent-notes")
    assert declared["in"] == "header"
    assert declared["required"] is True
    schema = declared["schema"]
    assert (schema["type"], schema["minLength"], schema["maxLength"]) == ("string", 8, 200)
    pattern = re.compile(schema["pattern"])

    async def answer(key: str) -> int:
        response = await service.client.post(
            "/idempotent-notes",
            json={"text": "hello"},
            headers=service.auth() | {"Idempotency-Key": key},
        )
        return response.status_code

    for key in (str(uuid.uuid4()), "a" * 8, "A.b_c:d-9" * 20, "z" * 200):
        assert pattern.match(key) and 8 <= len(key) <= 200, key
        assert await answer(key) == 201, key
    for key in ("a" * 7, "z" * 201, "has space", "slash/slash", "semi;colon"):
        assert not (pattern.match(key) and 8 <= len(key) <= 200), key
        assert await answer(key) == 400, key


async def test_readiness_names_the_checks_that_exist(service: Service) -> None:
    parameters = operation(service, "get", "/ready")["parameters"]
    (check,) = [p for p in parameters if p["name"] == "check"]
    arrays = [s for s in check["schema"].get("anyOf", [check["schema"]]) if s["type"] == "array"]
    assert arrays[0]["items"]["enum"] == ["database", "nats"]
    for name in ("database", "nats"):
        assert (await service.client.get("/ready", params={"check": name})).status_code == 200
