"""The kit tables come from one Alembic branch that servicekit ships: every service's history
depends on it, a later kit revision reaches every service's database, and a database whose
first revision still created the kit tables itself needs nothing done to it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from kit_fixture_models import metadata
from kit_fixture_support import FIXTURE_INI
from sqlalchemy import Column, Table, Text, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.db import GUID, UTCDateTime, new_metadata
from servicekit.migrate import alembic_config, drift, upgrade
from servicekit.migrations import BRANCH, FIRST, VERSIONS
from servicekit.tables import kit_tables

pytestmark = pytest.mark.db

LATER = "f00dfeed0002"
LATER_REVISION = f'''"""A later change to a kit table, as servicekit would ship it."""

import sqlalchemy as sa
from alembic import op

revision = "{LATER}"
down_revision = "{FIRST}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("reason")
'''


def config_with_a_later_kit_revision(url: str, tmp_path: Path) -> Config:
    """The fixture service's configuration, as if servicekit had shipped one more revision."""
    later = tmp_path / "kit_versions"
    later.mkdir()
    (later / "later_kit_change.py").write_text(LATER_REVISION)
    config = alembic_config(FIXTURE_INI, url)
    locations = config.get_main_option("version_locations") or ""
    config.set_main_option("version_locations", f"{locations}\n{later}")
    return config


async def recorded_revisions(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


async def audit_columns(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            columns = await conn.run_sync(lambda sync: inspect(sync).get_columns("audit_log"))
            return {column["name"] for column in columns}
    finally:
        await engine.dispose()


async def as_made_before_the_kit_branch(url: str) -> None:
    """Rebuild the database as the old first revision left it: the kit tables created by the
    service's own revision "0001", which alone is recorded."""
    await asyncio.to_thread(command.downgrade, alembic_config(FIXTURE_INI, url), "base")
    old = new_metadata()
    kit_tables(old)
    Table(
        "notes",
        old,
        Column("id", GUID(), primary_key=True),
        Column("body", Text(), nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
    )
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(old.create_all)
            await conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0001')"))
    finally:
        await engine.dispose()


def test_the_kit_revisions_ship_inside_servicekit_on_their_own_branch() -> None:
    script = ScriptDirectory.from_config(Config(str(FIXTURE_INI)))
    first = script.get_revision(FIRST)
    assert first is not None and BRANCH in first.branch_labels
    assert Path(first.path).parent == VERSIONS
    service_first = script.get_revision("0001")
    assert service_first is not None and service_first.dependencies == FIRST


async def test_a_migrated_database_records_the_service_head_that_depends_on_the_kit(
    db_url: str,
) -> None:
    assert await recorded_revisions(db_url) == {"0001"}
    assert await drift(db_url, metadata) == []


async def test_a_later_kit_revision_reaches_a_service_database(db_url: str, tmp_path: Path) -> None:
    config = config_with_a_later_kit_revision(db_url, tmp_path)
    await asyncio.to_thread(command.upgrade, config, "heads")
    assert "reason" in await audit_columns(db_url)
    assert await recorded_revisions(db_url) == {"0001", LATER}


async def test_a_database_made_before_the_kit_branch_needs_nothing_done(
    db_url: str, tmp_path: Path
) -> None:
    await as_made_before_the_kit_branch(db_url)

    # already at heads: upgrading creates none of the kit tables a second time
    await asyncio.to_thread(upgrade, FIXTURE_INI, db_url)
    assert await recorded_revisions(db_url) == {"0001"}
    assert await drift(db_url, metadata) == []

    # and the kit's next revision reaches it like any other
    config = config_with_a_later_kit_revision(db_url, tmp_path)
    await asyncio.to_thread(command.upgrade, config, "heads")
    assert "reason" in await audit_columns(db_url)
