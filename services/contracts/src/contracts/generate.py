"""Generate the committed JSON Schemas and AsyncAPI document from the event models.

    python -m contracts.generate                   # write src/contracts/schemas/
    python -m contracts.generate --check           # only verify; exit 1 when they are stale
    python -m contracts.generate --allow-breaking  # write even a non-additive change

Schemas use pydantic's "validation" mode: they describe what a reader accepts. There a field with
a default is optional, which is what makes adding one additive, and it matches the wire, since
`CloudEvent.to_json` leaves out null values. The "serialization" mode would mark every field with
a default required, so `traceparent` (often absent) would be misdescribed and every new optional
field would look like a breaking change.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contracts import EVENT_TYPES, STREAMS, stream_for
from contracts.compatibility import catalogue_breaking_changes
from contracts.events.v1 import ContactDetails, ReminderContact
from contracts.subjects import CONSUMERS

SCHEMA_DIR = Path(__file__).parent / "schemas"
ASYNCAPI_FILE = "asyncapi.yaml"
CONTACT_DETAILS = "contact-details.v1"
REMINDER_CONTACT = "reminder-contact.v1"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# A URN, not a URL: nothing serves these schemas; the id only names them.
ID_PREFIX = "urn:diversion:contracts:"
# Structured-mode CloudEvents: the whole event, attributes and data, is the message body.
CONTENT_TYPE = "application/cloudevents+json"
# The catalogue's version: additive changes keep it, a new major event version raises it.
CATALOGUE_VERSION = "1.0.0"


def _identified(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return {**schema, "$schema": JSON_SCHEMA_DIALECT, "$id": ID_PREFIX + name, "title": name}


def json_schemas() -> dict[str, dict[str, Any]]:
    """Every JSON Schema by file name: one per event type, and each sealed field's plaintext."""
    schemas: dict[str, dict[str, Any]] = {}
    for event_type, envelope in EVENT_TYPES.items():
        stream = stream_for(event_type)
        schema = envelope.model_json_schema(mode="validation")
        schema["description"] = (
            f"{event_type}: a CloudEvents 1.0 event in structured JSON mode, published by "
            f"{stream.producer} on subject {event_type} (JetStream stream {stream.name})."
        )
        schemas[f"{event_type}.json"] = _identified(schema, event_type)
    contact = ContactDetails.model_json_schema(mode="validation")
    schemas[f"{CONTACT_DETAILS}.json"] = _identified(contact, CONTACT_DETAILS)
    reminder = ReminderContact.model_json_schema(mode="validation")
    schemas[f"{REMINDER_CONTACT}.json"] = _identified(reminder, REMINDER_CONTACT)
    return schemas


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document: one channel per subject, each sent by its producer and
    received by its consumers."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event_type, envelope in EVENT_TYPES.items():
        stream = stream_for(event_type)
        data_model = envelope.model_fields["data"].annotation
        summary = (data_model.__doc__ or "").strip() if data_model else ""
        messages[event_type] = {
            "name": event_type,
            "title": envelope.__name__,
            "summary": summary,
            "contentType": CONTENT_TYPE,
            "headers": {
                "type": "object",
                "properties": {
                    "Nats-Msg-Id": {
                        "type": "string",
                        "format": "uuid",
                        "description": "The event id: JetStream drops a duplicate published "
                        "within the stream's duplicate window.",
                    }
                },
            },
            "payload": {"$ref": f"{event_type}.json"},
        }
        channels[event_type] = {
            "address": event_type,
            "title": event_type,
            "description": f"Captured by JetStream stream {stream.name}.",
            "messages": {event_type: {"$ref": f"#/components/messages/{event_type}"}},
        }
        operations[f"{stream.producer}.send.{event_type}"] = {
            "action": "send",
            "title": f"{stream.producer} publishes {event_type}",
            "channel": {"$ref": f"#/channels/{event_type}"},
            "messages": [{"$ref": f"#/channels/{event_type}/messages/{event_type}"}],
            "tags": [{"name": stream.producer}],
        }
        for consumer in CONSUMERS.get(event_type, ()):
            operations[f"{consumer}.receive.{event_type}"] = {
                "action": "receive",
                "title": f"{consumer} consumes {event_type}",
                "description": f"A durable pull consumer `{consumer}` on stream {stream.name}, "
                "explicit ack, each event applied once through the consumer's inbox.",
                "channel": {"$ref": f"#/channels/{event_type}"},
                "messages": [{"$ref": f"#/channels/{event_type}/messages/{event_type}"}],
                "tags": [{"name": consumer}],
            }
    streams = "; ".join(f"{s.name} ({', '.join(s.subjects)}) from {s.producer}" for s in STREAMS)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Diversion events",
            "version": CATALOGUE_VERSION,
            "description": "The events of the pre-arrest drug diversion platform: CloudEvents 1.0 "
            "in structured JSON mode, subject = type. Generated by `python -m contracts.generate` "
            "from the models in services/contracts; do not edit by hand.",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "jetstream": {
                "host": "localhost:4222",
                "protocol": "nats",
                "description": f"NATS with JetStream (NATS_URL elsewhere). Streams: {streams}.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def render() -> dict[str, str]:
    """The text of every generated file by name, byte-stable so that it diffs cleanly."""
    files = {
        name: json.dumps(schema, indent=2, sort_keys=True) + "\n"
        for name, schema in json_schemas().items()
    }
    files[ASYNCAPI_FILE] = yaml.safe_dump(
        asyncapi_document(), sort_keys=False, default_flow_style=False, width=100
    )
    return files


def read_committed(schema_dir: Path) -> dict[str, str]:
    """The generated files as committed in `schema_dir`."""
    paths = [*schema_dir.glob("*.json"), schema_dir / ASYNCAPI_FILE]
    return {path.name: path.read_text(encoding="utf-8") for path in paths if path.is_file()}


@dataclass(frozen=True)
class Drift:
    """How the committed files differ from what the models generate now."""

    generated: dict[str, str] = field(repr=False)
    stale: list[str]  # files to write or delete
    breaking: list[str]  # non-additive changes to committed schemas

    def explain(self) -> str:
        """What a developer should do about it."""
        if self.breaking:
            return (
                "Breaking (non-additive) changes to committed event schemas:\n"
                + "".join(f"  - {problem}\n" for problem in self.breaking)
                + "Within a version, changes must be additive: publish a new version type "
                "instead (e.g. referral.submitted.v2 beside v1) and keep v1 as it was."
            )
        if self.stale:
            return (
                f"Generated contract files are out of date: {', '.join(self.stale)}.\n"
                "The change is additive: run python -m contracts.generate and commit "
                "services/contracts/src/contracts/schemas/."
            )
        return "Contract schemas are up to date."


def drift(schema_dir: Path = SCHEMA_DIR) -> Drift:
    """Compare the committed files in `schema_dir` with what the models generate now."""
    generated, committed = render(), read_committed(schema_dir)
    stale = sorted(
        n for n in generated.keys() | committed.keys() if generated.get(n) != committed.get(n)
    )
    breaking = catalogue_breaking_changes(
        {name: json.loads(text) for name, text in committed.items() if name.endswith(".json")},
        {name: json.loads(text) for name, text in generated.items() if name.endswith(".json")},
    )
    return Drift(generated, stale, breaking)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contracts.generate",
        description="Generate the event JSON Schemas and AsyncAPI document from the models.",
    )
    parser.add_argument("--check", action="store_true", help="only verify the committed files")
    parser.add_argument(
        "--allow-breaking",
        action="store_true",
        help="overwrite committed schemas even with a non-additive change",
    )
    parser.add_argument("--schemas-dir", type=Path, default=SCHEMA_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    found = drift(args.schemas_dir)
    if args.check:
        print(found.explain(), file=sys.stderr if found.stale else sys.stdout)
        return 1 if found.stale else 0
    if found.breaking and not args.allow_breaking:
        print(found.explain(), file=sys.stderr)
        print("Nothing written. --allow-breaking overrides this.", file=sys.stderr)
        return 1
    args.schemas_dir.mkdir(parents=True, exist_ok=True)
    for name in found.stale:
        path = args.schemas_dir / name
        if name in found.generated:
            path.write_text(found.generated[name], encoding="utf-8")
        else:
            path.unlink()  # the schema of an event type that no longer exists
    print(f"{len(found.stale)} file(s) updated in {args.schemas_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
