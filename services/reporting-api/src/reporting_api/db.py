"""The service's metadata and declarative base; the kit tables live beside the projections."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from servicekit.db import new_metadata
from servicekit.tables import kit_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


kit = kit_tables(Base.metadata)
