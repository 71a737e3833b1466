"""What the webhook endpoints take and answer. A signing secret appears only in the answers to
registration and rotation, once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from referral_api.schemas import Strict
from referral_api.webhooks.models import DeliveryStatus, EndpointStatus
from servicekit.paging import Page
from servicekit.schemas import FromRow
from servicekit.types import Text

ForceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,64}$")]
Url = Annotated[str, StringConstraints(min_length=8, max_length=2048, pattern=r"^https?://\S+$")]

SHOWN_ONCE = (
    "The signing secret (`whsec_` and base64), shown this once: store it in the receiver. It is "
    "never shown again; if it is lost, rotate it."
)


def example_webhook() -> dict[str, Any]:
    return {
        "force": "demo",
        "url": "https://rms.example.police.uk/diversion/outcomes",
        "description": "Records management: finalise crime records",
    }


class WebhookIn(Strict):
    force: ForceId = Field(description="The force whose closed referrals it receives.")
    url: Url = Field(
        description="https, at a public address (http and private addresses only in development)."
    )
    description: Annotated[Text, StringConstraints(min_length=1, max_length=200)]


class WebhookChange(Strict):
    enabled: bool = Field(
        strict=True,
        description="false: no message is sent until it is enabled again; messages wait.",
    )


class WebhookOut(FromRow):
    id: uuid.UUID
    force: str = Field(validation_alias="force_id")
    url: str
    description: str
    status: EndpointStatus
    created_at: datetime
    previous_secret_signs_until: datetime | None = Field(
        validation_alias="previous_secret_until",
        description="While set, the secret before the last rotation also signs every message.",
    )


class WebhookCreated(WebhookOut):
    secret: str = Field(description=SHOWN_ONCE)


class SecretRotated(FromRow):
    id: uuid.UUID
    secret: str = Field(description=SHOWN_ONCE)
    previous_secret_signs_until: datetime = Field(
        validation_alias="previous_secret_until",
        description="Until then every message carries a signature by each secret; after it, "
        "only by the new one.",
    )


class WebhookPage(Page[WebhookOut]):
    """One page of the force's webhook endpoints, oldest first."""


class DeliveryOut(FromRow):
    id: uuid.UUID
    webhook_id: str = Field(
        validation_alias="message_id",
        description="The message's `webhook-id`: the same on every attempt and redelivery.",
    )
    referral_id: uuid.UUID
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="Set while the message is pending.")
    last_attempt_at: datetime | None
    last_status_code: int | None = Field(description="The receiver's answer to the last attempt.")
    last_error: str | None = Field(description="Why the last attempt failed, if it did.")
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(Page[DeliveryOut]):
    """One page of an endpoint's messages, oldest first."""
