"""Every route's validation messages are in the house style (servicekit/problems.py): a lower-case
instruction a person can act on, never pydantic's own wording ("Field required", "Input should
be ..."). Found by sending bad input to each route of each service, as a new client would."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

import httpx
import pytest
from pydantic_core._pydantic_core import list_all_errors

from servicekit.auth import Role
from servicekit.devidp import DevIdentityProvider

from .conftest import Service

pytestmark = [pytest.mark.db, pytest.mark.nats]


# pydantic's own messages, as patterns: none may reach a client
def template_pattern(template: str) -> re.Pattern[str]:
    """'Input should be {expected}' as a pattern matching any message made from it."""
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("^" + ".*".join(re.escape(part) for part in parts) + "$", re.S)


PYDANTIC_MESSAGES = [template_pattern(e["message_template_python"]) for e in list_all_errors()]
WRONG_VALUES: list[Any] = [None, 12345, 1.5, "not-a-valid-value", [], {}, True, "x" * 2100]


def pydantic_wording(message: str) -> bool:
    return any(p.match(message) for p in PYDANTIC_MESSAGES) or message[:1].isupper()


def variants(value: Any) -> list[Any]:
    """The example with each part in turn replaced by a wrong value, removed, or joined by a
    field nobody asked for."""
    found: list[Any] = []

    def walk(path: list[Any], node: Any) -> None:
        for wrong in WRONG_VALUES:
            found.append(replaced(value, path, wrong))
        if isinstance(node, dict):
            found.append(replaced(value, path, {**node, "unexpected_field": 1}))
            for key, child in node.items():
                found.append(replaced(value, path, {k: v for k, v in node.items() if k != key}))
                walk([*path, key], child)
        elif isinstance(node, list) and node:
            found.append(replaced(value, path, [*node, *node]))
            walk([*path, 0], node[0])

    walk([], value)
    return found


def replaced(value: Any, path: list[Any], new: Any) -> Any:
    if not path:
        return new
    changed = copy.deepcopy(value)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return changed


def example_body(operation: dict[str, Any], openapi: dict[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    if "example" in content:
        return content["example"]
    if content.get("examples"):
        return next(iter(content["examples"].values()))["value"]
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    examples = schema.get("examples") or [schema.get("example", {})]
    return examples[0]


async def probe(service: Service, idp: DevIdentityProvider) -> list[str]:
    openapi = (await service.client.get("/openapi.json")).json()
    tokens = {
        role: idp.token(
            role=role.value,
            forces=["demo"],
            scopes=["eligibility:check", "referrals:write", "referrals:read", "scheme:read"],
        )
        for role in Role
    }
    raw: list[str] = []

    async def send(method: str, path: str, role: Role, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {tokens[role]}", "Idempotency-Key": str(uuid.uuid4())}
        return await service.client.request(method, path, headers=headers, **kwargs)

    for template, operations in openapi["paths"].items():
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), template)
        for method, operation in operations.items():
            body = example_body(operation, openapi)
            queries = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            tries: list[dict[str, Any]] = [{"json": b} for b in variants(body)] if body else []
            tries += [{"params": {q: w}} for q in queries for w in ("x", "-1", "1.5", "")]
            tries += [{"params": {q: "x"}} for q in queries]
            tries.append({"url": re.sub(r"\{[^}]+\}", "not-an-id", template)})
            for role in Role:  # the first role the route lets in
                first = await send(method.upper(), path, role, **({"json": body} if body else {}))
                if first.status_code not in (401, 403):
                    break
            for attempt in tries:
                url = attempt.pop("url", path)
                answer = await send(method.upper(), url, role, **attempt)
                if answer.status_code not in (400, 422):
                    continue
                for error in answer.json().get("errors", []):
                    field, message = error["field"], error["message"]
                    if pydantic_wording(message):
                        raw.append(f"{method.upper()} {template} {field}: {message}")
    return sorted(set(raw))


async def test_referral_api_speaks_the_house_style(
    referral_service: Service, dev_idp: DevIdentityProvider
) -> None:
    found = await probe(referral_service, dev_idp)
    assert found == [], "\n".join(found)


async def test_assessment_api_speaks_the_house_style(
    assessment_service: Service, dev_idp: DevIdentityProvider
) -> None:
    found = await probe(assessment_service, dev_idp)
    assert found == [], "\n".join(found)
