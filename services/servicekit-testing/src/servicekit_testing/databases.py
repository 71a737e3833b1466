"""Migrated databases for tests: built from the migrations once, copied for each test.

SQLite by default (a template file copied per test). With TEST_DATABASE_URL set to a
PostgreSQL server (postgresql+asyncpg://user@host/db) each test gets its own database created
from a migrated template database, and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.migrate import upgrade


def postgres_base_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return url if url and url.startswith("postgresql") else None


class TemplateDatabases:
    """Per-service migrated templates and fresh per-test databases."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._templates: dict[Path, str] = {}
        self._created: list[str] = []
        self._lock = asyncio.Lock()

    async def _admin_execute(self, statement: str) -> None:
        base = postgres_base_url()
        assert base is not None
        engine = create_async_engine(base, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    async def template(self, alembic_ini: Path) -> str:
        async with self._lock:
            if alembic_ini in self._templates:
                return self._templates[alembic_ini]
            base = postgres_base_url()
            if base is None:
                path = self.workdir / f"template-{uuid.uuid4().hex[:8]}.db"
                url = f"sqlite+aiosqlite:///{path}"
                await asyncio.to_thread(upgrade, alembic_ini, url)
                self._templates[alembic_ini] = str(path)
            else:
                name = f"tmpl_{uuid.uuid4().hex[:12]}"
                await self._admin_execute(f'CREATE DATABASE "{name}"')
                self._created.append(name)
                url = make_url(base).set(database=name).render_as_string(hide_password=False)
                await asyncio.to_thread(upgrade, alembic_ini, url)
                self._templates[alembic_ini] = name
            return self._templates[alembic_ini]

    async def fresh(self, alembic_ini: Path) -> str:
        """A new, migrated, empty database; returns its async URL."""
        template = await self.template(alembic_ini)
        base = postgres_base_url()
        if base is None:
            path = self.workdir / f"test-{uuid.uuid4().hex[:12]}.db"
            await asyncio.to_thread(shutil.copyfile, template, path)
            return f"sqlite+aiosqlite:///{path}"
        name = f"t_{uuid.uuid4().hex[:16]}"
        await self._admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self._created.append(name)
        return make_url(base).set(database=name).render_as_string(hide_password=False)

    async def drop_all(self) -> None:
        if postgres_base_url() is None:
            return
        for name in reversed(self._created):
            await self._admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.clear()
