"""The fixture service's models: the kit tables and one small domain table with a secret field."""

from __future__ import annotations

from sqlalchemy import Column, Table

from servicekit.crypto import Encrypted
from servicekit.db import GUID, UTCDateTime, new_metadata
from servicekit.tables import kit_tables

metadata = new_metadata()
kit = kit_tables(metadata)
notes = Table(
    "notes",
    metadata,
    Column("id", GUID(), primary_key=True),
    Column("body", Encrypted(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
