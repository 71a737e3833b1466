"""The migration that gives each case its provider: existing cases take the provider serving
their force, and a force configured with several providers stops it before anything changes."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from servicekit.migrate import alembic_config, upgrade

pytestmark = pytest.mark.db

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"
BEFORE = "86b0de63fb2d"  # the last revision whose cases have no provider


@pytest.fixture
async def empty_database(tmp_path: Path) -> AsyncIterator[str]:
    """A database with no tables: SQLite, or PostgreSQL when TEST_DATABASE_URL names one."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrating.db'}"
        return
    name = f"mig_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def migrate(url: str, revision: str) -> None:
    await asyncio.to_thread(upgrade, ALEMBIC_INI, url, revision)


async def downgrade(url: str, revision: str) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(ALEMBIC_INI, url), revision)


async def reflect(engine: AsyncEngine, name: str) -> Table:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: Table(name, MetaData(), autoload_with=sync))


def case_row(force_id: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": str(uuid.uuid4()),
        "referral_id": str(uuid.uuid4()),
        "reference": f"REF-{uuid.uuid4().hex[:6]}",
        "force_id": force_id,
        "area": "central",
        "status": "awaiting_contact",
        "received_at": now,
        "first_contact_due": now + timedelta(days=3),
        "engagement_deadline": now + timedelta(days=28),
        "due_at": now + timedelta(days=3),
        "main_substance": "cannabis",
        "substances": ["cannabis"],
        "age_years": 24,
        "is_rereferral": False,
        "given_name": "(ciphertext)",
        "family_name": "(ciphertext)",
        "date_of_birth": "(ciphertext)",
        "preferred_language": "en",
        "interpreter_needed": False,
        "easy_read": False,
        "created_at": now,
        "updated_at": now,
    }


async def before_the_migration(
    url: str, links: list[tuple[str, str]], forces: list[str]
) -> dict[str, str]:
    """Migrate to the revision before, configure the links, open a case per force; returns each
    force's case id."""
    await migrate(url, BEFORE)
    engine = create_async_engine(url)
    try:
        cases = await reflect(engine, "cases")
        provider_forces = await reflect(engine, "provider_forces")
        rows = {force: case_row(force) for force in forces}
        async with engine.begin() as conn:
            for provider_id, force_id in links:
                await conn.execute(
                    provider_forces.insert().values(
                        provider_id=provider_id, force_id=force_id, since=datetime.now(UTC)
                    )
                )
            for row in rows.values():
                await conn.execute(cases.insert().values(**row))
    finally:
        await engine.dispose()
    return {force: row["id"] for force, row in rows.items()}


async def providers_of_cases(url: str) -> dict[str, str | None]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT id, provider_id FROM cases"))
            return {str(case_id): provider_id for case_id, provider_id in rows}
    finally:
        await engine.dispose()


async def columns_of_cases(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: {c["name"] for c in inspect(sync).get_columns("cases")}
            )
    finally:
        await engine.dispose()


async def test_existing_cases_take_the_provider_serving_their_force(empty_database: str) -> None:
    url = empty_database
    cases = await before_the_migration(
        url,
        [("demo-provider", "demo"), ("demo-provider", "northshire"), ("other-provider", "west")],
        ["demo", "northshire", "west", "eastshire"],
    )
    await migrate(url, "heads")
    assert await providers_of_cases(url) == {
        cases["demo"]: "demo-provider",
        cases["northshire"]: "demo-provider",
        cases["west"]: "other-provider",
        cases["eastshire"]: None,  # no provider serves it: on no queue, as before
    }

    engine = create_async_engine(url)
    try:
        provider_forces = await reflect(engine, "provider_forces")
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(
                    provider_forces.insert().values(
                        provider_id="second-provider", force_id="demo", since=datetime.now(UTC)
                    )
                )
    finally:
        await engine.dispose()


async def test_a_force_with_several_providers_stops_the_migration_and_changes_nothing(
    empty_database: str,
) -> None:
    url = empty_database
    await before_the_migration(
        url,
        [("demo-provider", "demo"), ("second-provider", "demo"), ("other-provider", "west")],
        ["demo", "west"],
    )
    with pytest.raises(RuntimeError) as refused:
        await migrate(url, "heads")
    message = str(refused.value)
    assert "demo" in message and "demo-provider" in message and "second-provider" in message
    assert "other-provider" not in message

    assert "provider_id" not in await columns_of_cases(url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
            links = (await conn.execute(select(await reflect(engine, "provider_forces")))).all()
    finally:
        await engine.dispose()
    assert version == BEFORE
    assert len(links) == 3

    # once the administrator removes the link that no longer holds, it runs
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM provider_forces WHERE provider_id = 'second-provider'")
            )
    finally:
        await engine.dispose()
    await migrate(url, "heads")
    assert set((await providers_of_cases(url)).values()) == {"demo-provider", "other-provider"}


async def test_the_migration_downgrades(empty_database: str) -> None:
    url = empty_database
    await before_the_migration(url, [("demo-provider", "demo")], ["demo"])
    await migrate(url, "heads")
    await downgrade(url, BEFORE)
    assert "provider_id" not in await columns_of_cases(url)
    await migrate(url, "heads")
    assert list((await providers_of_cases(url)).values()) == ["demo-provider"]
