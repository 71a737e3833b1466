"""Local support services, the needs each meets and the postcode areas each serves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assessment_api.db import Base
from contracts.vocabulary import NeedDomain
from servicekit.db import StringEnum, UTCDateTime


class DirectoryService(Base):
    """One service of a local organisation, as imported for a force's area."""

    __tablename__ = "directory_services"

    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(100), primary_key=True, comment="Open Referral id.")
    organization_id: Mapped[str] = mapped_column(String(100))
    organization_name: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    eligibility: Mapped[str | None] = mapped_column(Text, nullable=True)
    taxonomy: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    service_areas: Mapped[list[str]] = mapped_column(JSON, comment="As published.")
    active: Mapped[bool] = mapped_column(Boolean)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DirectoryServiceNeed(Base):
    __tablename__ = "directory_service_needs"
    __table_args__ = (
        ForeignKeyConstraint(
            ["force_id", "service_id"],
            ["directory_services.force_id", "directory_services.id"],
            name="fk_directory_service_needs_service",
        ),
    )

    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    need: Mapped[NeedDomain] = mapped_column(StringEnum(NeedDomain, 40), primary_key=True)


class DirectoryServiceArea(Base):
    """A postcode district (B15) or postcode area (B) the service covers."""

    __tablename__ = "directory_service_areas"
    __table_args__ = (
        ForeignKeyConstraint(
            ["force_id", "service_id"],
            ["directory_services.force_id", "directory_services.id"],
            name="fk_directory_service_areas_service",
        ),
    )

    force_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    postcode_prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
