"""breaking_changes: what an additive change is, on schemas shaped the way pydantic writes them."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

import pytest
from pydantic import BaseModel, Field

from contracts import CloudEvent, EventData
from contracts.compatibility import breaking_changes, catalogue_breaking_changes
from contracts.events.v1 import AssessmentCompletedEvent
from contracts.vocabulary import NeedDomain, NeedLevel, Substance


class Band(StrEnum):
    low = "low"
    high = "high"


class Seal(BaseModel):
    kid: str
    ciphertext: str


class Happened(EventData):
    event_type: ClassVar[str] = "test.happened.v1"

    case_id: uuid.UUID
    at: datetime
    substances: list[Substance]
    band: Band | None = None
    needs: dict[NeedDomain, NeedLevel] = Field(default_factory=dict)
    count: int = Field(default=0, ge=0)
    sealed: Seal


class HappenedEvent(CloudEvent):
    type: Literal["test.happened.v1"] = "test.happened.v1"
    data: Happened


BASE = HappenedEvent.model_json_schema()
Schema = dict[str, Any]


def _data(schema: Schema) -> Schema:
    data: Schema = schema["$defs"]["Happened"]
    return data


def _remove_at(schema: Schema) -> None:
    del _data(schema)["properties"]["at"]
    _data(schema)["required"].remove("at")


def _add_required_reason(schema: Schema) -> None:
    _data(schema)["properties"]["reason"] = {"type": "string"}
    _data(schema)["required"].append("reason")


def _add_optional_note(schema: Schema) -> None:
    _data(schema)["properties"]["extra"] = {"type": "string", "default": ""}


def _change(path: str, value: Any) -> Callable[[Schema], None]:
    """An edit that sets the value at a slash-separated path (a list index is a number)."""

    def edit(schema: Schema) -> None:
        *parents, last = path.split("/")
        node: Any = schema
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value

    return edit


BREAKING = [
    ("removing a field", _remove_at, "data.at: property removed"),
    (
        "changing a type",
        _change("$defs/Happened/properties/count/type", "string"),
        "data.count: type changed from integer to string",
    ),
    ("adding a required field", _add_required_reason, "data.reason: new required property"),
    (
        "making an optional field required",
        _change("$defs/Happened/required", [*_data(BASE)["required"], "count"]),
        "data.count: optional property became required",
    ),
    (
        "removing an enum value",
        _change("$defs/Band/enum", ["low"]),
        "data.band: enum values removed: ['high']",
    ),
    (
        "changing the type literal",
        _change("properties/type/const", "test.happened.v2"),
        "type: const changed from 'test.happened.v1' to 'test.happened.v2'",
    ),
    (
        "removing an enum value of array items",
        _change("$defs/Substance/enum", ["cannabis", "cocaine"]),
        "data.substances[]: enum values removed",
    ),
    (
        "removing a field of a nested model",
        _change("$defs/Seal/properties", {"ciphertext": {"type": "string"}}),
        "data.sealed.kid: property removed",
    ),
    (
        "changing the type of a nullable field",
        _change("$defs/Happened/properties/band/anyOf/0", {"type": "integer"}),
        "data.band: type changed from null|string to integer|null",
    ),
    (
        "making a nullable field not nullable",
        _change("$defs/Happened/properties/band", {"$ref": "#/$defs/Band"}),
        "data.band: type changed from null|string to string",
    ),
    (
        "removing an enum value of a map's values",
        _change("$defs/NeedLevel/enum", ["none", "some"]),
        "data.needs.<value>: enum values removed: ['significant']",
    ),
    (
        "changing a format",
        _change("$defs/Happened/properties/at/format", "date"),
        "data.at: format changed from 'date-time' to 'date'",
    ),
    (
        "tightening a constraint",
        _change("$defs/Happened/properties/count/minimum", 1),
        "data.count: minimum changed from 0 to 1",
    ),
    (
        "restricting a free value to an enum",
        _change("$defs/Seal/properties/kid/enum", ["a"]),
        "data.sealed.kid: now restricted to ['a']",
    ),
]

ADDITIVE = [
    ("no change", lambda schema: None),
    ("adding an optional field", _add_optional_note),
    ("adding an enum value", _change("$defs/Band/enum", ["low", "high", "very_high"])),
    ("rewording a description", _change("$defs/Seal/description", "Reworded.")),
    ("giving a default", _change("$defs/Happened/properties/at/default", "1970-01-01T00:00:00Z")),
]


def _edited(edit: Callable[[Schema], None]) -> Schema:
    schema = copy.deepcopy(BASE)
    edit(schema)
    return schema


@pytest.mark.parametrize(
    ("edit", "expected"), [pytest.param(e, x, id=name) for name, e, x in BREAKING]
)
def test_breaking_change_is_reported(edit: Callable[[Schema], None], expected: str) -> None:
    problems = breaking_changes(BASE, _edited(edit))
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected)


@pytest.mark.parametrize("edit", [pytest.param(e, id=name) for name, e in ADDITIVE])
def test_additive_change_is_not_reported(edit: Callable[[Schema], None]) -> None:
    assert breaking_changes(BASE, _edited(edit)) == []


def test_adding_a_new_event_is_additive_and_removing_one_breaks() -> None:
    other = CloudEvent.model_json_schema()
    old = {"test.happened.v1.json": BASE}
    new = {"test.happened.v1.json": BASE, "test.happened.v2.json": other}
    assert catalogue_breaking_changes(old, new) == []
    assert catalogue_breaking_changes(new, old) == ["test.happened.v2.json: schema removed"]


def test_problems_name_the_schema_they_are_in() -> None:
    old = {"test.happened.v1.json": BASE}
    new = {"test.happened.v1.json": _edited(_remove_at)}
    assert catalogue_breaking_changes(old, new) == [
        "test.happened.v1.json: data.at: property removed"
    ]


def test_model_evolution_as_pydantic_writes_it() -> None:
    class Later(Happened):
        recovery_band: Band | None = None  # a new optional field

    class LaterEvent(HappenedEvent):
        data: Later

    assert breaking_changes(BASE, LaterEvent.model_json_schema()) == []
    assert breaking_changes(LaterEvent.model_json_schema(), BASE) == [
        "data.recovery_band: property removed"
    ]


def test_the_sealed_reminder_contact_is_an_additive_change_to_the_completed_assessment() -> None:
    """assessment.completed.v1 gained `reminder_contact`: the schema without it is the one
    published before, and the check finds nothing a reader of either would trip on."""
    now = AssessmentCompletedEvent.model_json_schema(mode="validation")
    before = copy.deepcopy(now)
    data = before["$defs"]["AssessmentCompleted"]
    del data["properties"]["reminder_contact"]
    assert "reminder_contact" not in data.get("required", [])
    assert breaking_changes(before, now) == []
    assert breaking_changes(now, before) == ["data.reminder_contact: property removed"]
