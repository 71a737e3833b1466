"""What an OpenAPI document asks callers to send: every string field of every request body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def request_strings(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each string a request body may hold, as (where, its schema): `where` is the operation and
    the field's dotted path, e.g. `POST /v1/referrals person.given_name`. Enumerations, consts
    and formatted strings (dates, emails) are left out: their values are not free text. A
    dictionary's keys are not fields and are not listed."""
    components = document.get("components", {}).get("schemas", {})

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def walk(schema: dict[str, Any], path: str, seen: frozenset[str]) -> Iterator[tuple[str, Any]]:
        ref = schema.get("$ref")
        if ref in seen:
            return
        seen = seen | {ref} if ref else seen
        schema = resolve(schema)
        for branch in (
            *schema.get("anyOf", ()),
            *schema.get("oneOf", ()),
            *schema.get("allOf", ()),
        ):
            yield from walk(branch, path, seen)
        if schema.get("type") == "string" and not ({"enum", "const", "format"} & schema.keys()):
            yield path, schema
        for name, sub in schema.get("properties", {}).items():
            yield from walk(sub, f"{path}.{name}" if path else name, seen)
        if isinstance(schema.get("items"), dict):
            yield from walk(schema["items"], f"{path}.0" if path else "0", seen)
        if isinstance(schema.get("additionalProperties"), dict):
            yield from walk(schema["additionalProperties"], f"{path}.*", seen)

    for route, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                for path, schema in walk(media.get("schema", {}), "", frozenset()):
                    yield f"{method.upper()} {route} {path}", schema
