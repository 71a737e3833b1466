"""A force's webhook endpoints and the messages owed to each."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from referral_api.db import Base
from servicekit.crypto import Encrypted
from servicekit.db import GUID, StringEnum, UTCDateTime


class EndpointStatus(StrEnum):
    active = "active"
    disabled = "disabled"


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its next attempt (or being sent)
    delivered = "delivered"
    failed = "failed"  # given up after the last attempt: an admin may redeliver it


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_force_created", "force_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True, default=uuid.uuid4)
    force_id: Mapped[str] = mapped_column(ForeignKey("forces.id"))
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(200))
    status: Mapped[EndpointStatus] = mapped_column(StringEnum(EndpointStatus, 16))
    # `whsec_...`, encrypted at rest: whoever reads the database cannot sign as the platform
    secret: Mapped[str] = mapped_column(Encrypted())
    # the secret before the last rotation, which also signs until `previous_secret_until`
    previous_secret: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))


class WebhookDelivery(Base):
    """One message (one `webhook-id`) to one endpoint: every attempt at it sends the same id and
    body, so a receiver can tell a retry from a new outcome."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # one outcome is one message per endpoint, however often it is closed or retried
        UniqueConstraint("endpoint_id", "entry_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True, default=uuid.uuid4)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    entry_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("outcome_entries.id"))
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID())
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    # the JSON body, fixed when the outcome is closed: retries send it byte for byte
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(StringEnum(DeliveryStatus, 16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # a sender's claim: no other sender takes the message until the lease runs out
    lease_token: Mapped[uuid.UUID | None] = mapped_column(GUID(), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
