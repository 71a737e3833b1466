"""The CloudEvents 1.0 envelope (structured JSON mode) every event travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict


class EventData(BaseModel):
    """Base of every event's `data`: frozen, and readers ignore fields they do not know."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]


def _require_cloudevents_attributes(schema: JsonDict) -> None:
    # CloudEvents requires `specversion` and `type`, and readers dispatch on `type`; pydantic
    # leaves both out of the JSON Schema's `required` only because the models give defaults.
    required = schema.setdefault("required", [])
    assert isinstance(required, list)
    required.extend(name for name in ("specversion", "type") if name not in required)


class CloudEvent(BaseModel):
    """Fields common to every envelope; each event type narrows `type` and `data`."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", json_schema_extra=_require_cloudevents_attributes
    )

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID = Field(description="Unique event id; also the JetStream Nats-Msg-Id.")
    source: str = Field(description="The producing service, e.g. /referral-api.")
    type: str
    time: datetime
    subject: str = Field(description="The referral id, so one referral's journey can be followed.")
    datacontenttype: Literal["application/json"] = "application/json"
    forceid: str = Field(description="The police force the event belongs to.")
    traceparent: str | None = Field(default=None, description="W3C trace context.")
    data: Any

    def to_json(self) -> bytes:
        """The structured-mode JSON body, without null attributes (absent means "not given")."""
        return self.model_dump_json(exclude_none=True).encode()


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC, as every event time must be."""
    return datetime.now(UTC)
