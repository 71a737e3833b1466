"""Is a new JSON Schema of an event an additive change of the committed one?

Streams are replayed from the start, so within a version every reader must keep accepting every
event ever published, and readers that have not been redeployed must accept new ones. A change
is additive when it only adds optional properties or enum values (readers ignore what they do
not know) or touches documentation. Anything else breaks someone: a property removed, a type,
format, fixed value or constraint changed, an enum value removed, a property made required.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]

# Keywords that narrow or widen what a reader accepts: any change to one breaks someone. `const`
# is the `type` literal of every envelope.
_FIXED_KEYWORDS = (
    "const",
    "format",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
)
_JSON_TYPES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    type(None): "null",
    list: "array",
    dict: "object",
}


def breaking_changes(old_schema: Schema, new_schema: Schema) -> list[str]:
    """What in `new_schema` is not an additive change of `old_schema`; empty when it is additive."""
    problems: list[str] = []
    _compare(old_schema, new_schema, _Roots(old_schema, new_schema), "", problems)
    return problems


def catalogue_breaking_changes(old: Mapping[str, Schema], new: Mapping[str, Schema]) -> list[str]:
    """Breaking changes across schemas by name: a new schema is additive, a removed one breaks."""
    problems: list[str] = []
    for name in sorted(old):
        if name not in new:
            problems.append(f"{name}: schema removed")
        else:
            problems.extend(f"{name}: {p}" for p in breaking_changes(old[name], new[name]))
    return problems


class _Roots:
    """The two documents local `$ref`s resolve in, and the `$ref` pairs being compared."""

    def __init__(self, old: Schema, new: Schema) -> None:
        self.old, self.new = old, new
        self.active: set[tuple[str, str]] = set()


def _resolve(node: Schema, root: Schema) -> Schema:
    """`node` with its local `$ref` followed, keeping keywords written beside the `$ref`."""
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, not {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _branches(node: Schema) -> list[Schema]:
    branches: list[Schema] = node.get("anyOf") or node.get("oneOf") or [node]
    return branches


def _types(node: Schema, root: Schema) -> frozenset[str]:
    """The JSON types `node` allows; empty means any."""
    node = _resolve(node, root)
    if "anyOf" in node or "oneOf" in node:
        return frozenset().union(*(_types(branch, root) for branch in _branches(node)))
    declared = node.get("type")
    if isinstance(declared, str):
        return frozenset({declared})
    if isinstance(declared, list):
        return frozenset(declared)
    values = [node["const"]] if "const" in node else node.get("enum", [])
    return frozenset(_JSON_TYPES[type(value)] for value in values)


def _show(types: frozenset[str]) -> str:
    return "|".join(sorted(types)) or "any"


def _compare(old: Schema, new: Schema, roots: _Roots, path: str, problems: list[str]) -> None:
    where = path or "(root)"
    refs = (old.get("$ref", ""), new.get("$ref", ""))
    if refs[0] and refs[1]:
        if refs in roots.active:  # a recursive model: this pair is already being compared
            return
        roots.active.add(refs)
    try:
        old, new = _resolve(old, roots.old), _resolve(new, roots.new)
        old_types, new_types = _types(old, roots.old), _types(new, roots.new)
        if old_types != new_types:
            problems.append(f"{where}: type changed from {_show(old_types)} to {_show(new_types)}")
            return
        old_branches, new_branches = _branches(old), _branches(new)
        if len(old_branches) > 1 or len(new_branches) > 1:
            # A union (in practice `X | None`): compare each branch with the one of its types.
            for branch in old_branches:
                types = _types(branch, roots.old)
                match = [b for b in new_branches if _types(b, roots.new) == types]
                if match:
                    _compare(branch, match[0], roots, path, problems)
            return
        _compare_keywords(old, new, where, problems)
        _compare_properties(old, new, roots, path, problems)
        for keyword, suffix in (
            ("items", "[]"),
            ("additionalProperties", ".<value>"),
            ("propertyNames", ".<key>"),
        ):
            if isinstance(old.get(keyword), Mapping) and isinstance(new.get(keyword), Mapping):
                _compare(old[keyword], new[keyword], roots, path + suffix, problems)
    finally:
        roots.active.discard(refs)


def _compare_keywords(old: Schema, new: Schema, where: str, problems: list[str]) -> None:
    for keyword in _FIXED_KEYWORDS:
        if old.get(keyword) != new.get(keyword):
            before, after = old.get(keyword, "(none)"), new.get(keyword, "(none)")
            problems.append(f"{where}: {keyword} changed from {before!r} to {after!r}")
    if "enum" in new:
        # An enum may grow (readers treat an unknown value like an unknown field); it may not
        # shrink, or appear where any value was allowed, since events already published break.
        if "enum" not in old:
            problems.append(f"{where}: now restricted to {new['enum']!r}")
        elif removed := [value for value in old["enum"] if value not in new["enum"]]:
            problems.append(f"{where}: enum values removed: {removed!r}")


def _compare_properties(
    old: Schema, new: Schema, roots: _Roots, path: str, problems: list[str]
) -> None:
    old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
    for name, schema in old_properties.items():
        child = f"{path}.{name}" if path else name
        if name not in new_properties:
            problems.append(f"{child}: property removed")
        else:
            _compare(schema, new_properties[name], roots, child, problems)
    for name in new.get("required", []):
        if name in old.get("required", []):
            continue
        child = f"{path}.{name}" if path else name
        if name in old_properties:
            problems.append(f"{child}: optional property became required")
        else:
            problems.append(f"{child}: new required property")
