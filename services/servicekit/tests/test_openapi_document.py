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
