"""The event contracts of the diversion platform."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter, ValidationError

from contracts.envelope import CloudEvent, EventData, utcnow
from contracts.events.v1 import ENVELOPES
from contracts.subjects import STREAMS, Stream, stream_for

EVENT_TYPES: dict[str, type[CloudEvent]] = {
    envelope.model_fields["type"].default: envelope for envelope in ENVELOPES
}

AnyEvent = Annotated[Union[tuple(ENVELOPES)], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007  # a Union made at run time
_any_event: TypeAdapter[Any] = TypeAdapter(AnyEvent)  # type: ignore[arg-type]  # the same Union


class UnknownEventType(ValueError):
    """An event whose type this reader does not know (it may be newer than the reader)."""


def parse_event(raw: bytes | str) -> CloudEvent:
    """Parse a structured-mode CloudEvent into its typed envelope.

    Raises UnknownEventType when `type` names no event this reader knows, so a consumer can tell
    "newer than me" apart from "malformed" (a pydantic ValidationError); both are ValueErrors.
    """
    try:
        event = _any_event.validate_json(raw)
    except ValidationError as exc:
        unknown = [e for e in exc.errors() if e["type"] == "union_tag_invalid" and not e["loc"]]
        if unknown:
            raise UnknownEventType(f"unknown event type {unknown[0]['ctx']['tag']!r}") from exc
        raise
    assert isinstance(event, CloudEvent)
    return event


def new_event(
    data: EventData,
    *,
    source: str,
    subject: str,
    forceid: str,
    traceparent: str | None = None,
    event_id: uuid.UUID | None = None,
    time: datetime | None = None,
) -> CloudEvent:
    """Wrap `data` in the envelope for its type, with a fresh id and the current time."""
    envelope = EVENT_TYPES[data.event_type]
    return envelope(
        type=data.event_type,
        id=event_id or uuid.uuid4(),
        source=source,
        subject=subject,
        forceid=forceid,
        traceparent=traceparent,
        time=time or utcnow(),
        data=data,
    )


__all__ = [
    "EVENT_TYPES",
    "STREAMS",
    "AnyEvent",
    "CloudEvent",
    "EventData",
    "Stream",
    "UnknownEventType",
    "new_event",
    "parse_event",
    "stream_for",
    "utcnow",
]
