"""An integration client: a force system registered per force, by its id at the force's issuer."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from referral_api.db import Base
from servicekit.db import GUID, StringEnum, UTCDateTime


class ClientStatus(StrEnum):
    """Active clients are let through; suspended ones wait for reinstatement; revoked is final."""

    active = "active"
    suspended = "suspended"
    revoked = "revoked"


class IntegrationClient(Base):
    __tablename__ = "integration_clients"
    # one registration per client at its issuer: the registry is read by (issuer, client id) on
    # every request of an integration token
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    force_id: Mapped[str] = mapped_column(ForeignKey("forces.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[ClientStatus] = mapped_column(StringEnum(ClientStatus, 20))
    status_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registered_by: Mapped[str] = mapped_column(String(200))
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
