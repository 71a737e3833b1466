"""The service's metadata and declarative base; the kit tables live beside the domain tables."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

from servicekit.crypto import field_cipher
from servicekit.db import new_metadata
from servicekit.tables import kit_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


kit = kit_tables(Base.metadata)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document encrypted at rest (assessment answers, scores): health data, so the
    database holds ciphertext only; the application sees the decoded document."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return field_cipher().encrypt(json.dumps(value, separators=(",", ":"), sort_keys=True))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(field_cipher().decrypt(value))
