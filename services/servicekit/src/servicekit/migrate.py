"""Alembic plumbing shared by every service's `migrations/env.py`, plus upgrade and drift checks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(ini_path: Path, url: str) -> Config:
    config = Config(str(ini_path))
    config.set_main_option("script_location", str(ini_path.parent / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(ini_path: Path, url: str, revision: str = "heads") -> None:
    """Migrate the database at `url` (blocking; call from a thread inside an event loop).

    "heads" brings both histories up to date: the service's own and the kit tables' branch
    (`servicekit.migrations`), which the service's first revision depends on."""
    command.upgrade(alembic_config(ini_path, url), revision)


def _configure(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_env(metadata: MetaData, *, url_env: str) -> None:
    """The body of a service's env.py: online migrations over an async engine."""
    import os

    config = context.config
    url = config.attributes.get("url") or os.environ.get(url_env)
    if not url:
        raise RuntimeError(f"set {url_env} to the database URL to migrate")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        _configure(connection, metadata)
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())


async def drift(url: str, metadata: MetaData) -> list[Any]:
    """Differences between the migrated database and the models (empty when in step)."""
    engine = create_async_engine(url, poolclass=pool.NullPool)

    def compare(connection: Connection) -> list[Any]:
        migration_context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(migration_context, metadata))

    async with engine.connect() as connection:
        differences = await connection.run_sync(compare)
    await engine.dispose()
    return differences
