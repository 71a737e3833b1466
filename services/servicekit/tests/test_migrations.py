"""The fixture service's schema comes from its migrations, and the drift check guards them."""

from __future__ import annotations

import pytest
from kit_fixture_models import metadata
from sqlalchemy import Column, MetaData, String, inspect

from servicekit.db import Database
from servicekit.migrate import drift

pytestmark = pytest.mark.db


async def test_migrations_create_every_kit_table(db: Database) -> None:
    async with db.engine.connect() as conn:
        tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    assert {"outbox", "inbox", "dead_letters", "idempotency_keys", "audit_log", "notes"} <= tables


async def test_models_match_migrations(db_url: str) -> None:
    assert await drift(db_url, metadata) == []


async def test_drift_reports_a_model_change_without_a_migration(db_url: str) -> None:
    changed = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["notes"].append_column(Column("colour", String(10), nullable=True))
    differences = await drift(db_url, changed)
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "notes", "colour")]

    removed = MetaData(naming_convention=metadata.naming_convention)
    for name, table in metadata.tables.items():
        if name != "audit_log":
            table.to_metadata(removed)
    assert any(
        d[0] == "remove_table" and d[1].name == "audit_log" for d in await drift(db_url, removed)
    )

    retyped = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(retyped)
    retyped.tables["outbox"].c.attempts.type = String(10)
    retyped_diff = await drift(db_url, retyped)
    assert len(retyped_diff) == 1 and retyped_diff[0][0][0] == "modify_type"
    assert retyped_diff[0][0][2:4] == ("outbox", "attempts")
