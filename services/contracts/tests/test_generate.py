"""The committed schemas and AsyncAPI document are what the models generate, and stay additive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import EVENT_TYPES, stream_for
from contracts.generate import ASYNCAPI_FILE, CONTENT_TYPE, SCHEMA_DIR, drift, main, render
from contracts.subjects import CONSUMERS


def test_committed_schemas_match_the_models() -> None:
    found = drift(SCHEMA_DIR)
    assert not found.stale, found.explain()


def test_generation_is_stable() -> None:
    assert render() == render()


@pytest.fixture
def committed(tmp_path: Path) -> Path:
    """A schema directory as the generator leaves it."""
    assert main(["--schemas-dir", str(tmp_path)]) == 0
    return tmp_path


def _edit_data_schema(directory: Path, event_type: str, edit: Any) -> Path:
    path = directory / f"{event_type}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema["$defs"][schema["properties"]["data"]["$ref"].rsplit("/", 1)[1]])
    path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def test_check_passes_on_freshly_generated_files(
    committed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sorted(p.name for p in committed.iterdir()) == sorted(render())
    assert main(["--check", "--schemas-dir", str(committed)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_an_additive_change_is_written(committed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The committed schema predates an optional field the model has now.
    _edit_data_schema(
        committed, "referral.closed.v1", lambda data: data["properties"].pop("barred_indefinitely")
    )
    assert main(["--check", "--schemas-dir", str(committed)]) == 1
    err = capsys.readouterr().err
    assert "additive" in err and "run python -m contracts.generate" in err
    assert main(["--schemas-dir", str(committed)]) == 0
    assert not drift(committed).stale


def test_a_breaking_change_is_refused_unless_allowed(
    committed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The committed schema has a field the model has since lost: removing it would break readers.
    path = _edit_data_schema(
        committed,
        "session.booked.v1",
        lambda data: data["properties"].update(venue_id={"type": "string"}),
    )
    before = path.read_text(encoding="utf-8")

    assert main(["--schemas-dir", str(committed)]) == 1
    err = capsys.readouterr().err
    assert "session.booked.v1.json: data.venue_id: property removed" in err
    assert "publish a new version type instead" in err
    assert path.read_text(encoding="utf-8") == before

    assert main(["--check", "--schemas-dir", str(committed)]) == 1
    assert "publish a new version type instead" in capsys.readouterr().err

    assert main(["--allow-breaking", "--schemas-dir", str(committed)]) == 0
    assert not drift(committed).stale


def test_the_schema_of_a_removed_event_is_a_breaking_change(committed: Path) -> None:
    leftover = committed / "referral.reopened.v1.json"
    leftover.write_text((committed / "referral.closed.v1.json").read_text(encoding="utf-8"))
    assert drift(committed).breaking == ["referral.reopened.v1.json: schema removed"]
    assert main(["--schemas-dir", str(committed)]) == 1
    assert main(["--allow-breaking", "--schemas-dir", str(committed)]) == 0
    assert not leftover.exists()


def test_each_schema_is_identified_and_titled() -> None:
    for name, text in render().items():
        if name.endswith(".json"):
            schema = json.loads(text)
            assert schema["title"] == name.removesuffix(".json")
            assert schema["$id"].endswith(":" + schema["title"])
            assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_asyncapi_describes_every_subject_its_producer_and_its_consumers() -> None:
    document = yaml.safe_load((SCHEMA_DIR / ASYNCAPI_FILE).read_text(encoding="utf-8"))
    assert document["asyncapi"] == "3.0.0"
    assert document["servers"]["jetstream"]["protocol"] == "nats"
    assert set(document["channels"]) == set(EVENT_TYPES)

    for event_type in EVENT_TYPES:
        channel = document["channels"][event_type]
        assert channel["address"] == event_type
        operations = [
            op
            for op in document["operations"].values()
            if op["channel"]["$ref"] == f"#/channels/{event_type}"
        ]
        (operation,) = [op for op in operations if op["action"] == "send"]
        assert operation["tags"] == [{"name": stream_for(event_type).producer}]
        receivers = [op["tags"][0]["name"] for op in operations if op["action"] == "receive"]
        assert receivers == list(CONSUMERS[event_type])
        for message_ref in operation["messages"]:
            assert message_ref["$ref"].startswith(f"#/channels/{event_type}/messages/")
            message = _resolve(document, _resolve(document, message_ref["$ref"])["$ref"])
            assert message["contentType"] == CONTENT_TYPE
            payload = SCHEMA_DIR / message["payload"]["$ref"]
            assert json.loads(payload.read_text(encoding="utf-8"))["title"] == event_type
