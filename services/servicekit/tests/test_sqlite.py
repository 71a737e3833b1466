"""SQLite run on the event loop's thread: the same results, errors and transactions as before."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db import make_engine
from servicekit.sqlite import BACKSTOP_PAGES, CHECKPOINT_THREAD

metadata = MetaData()
people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), unique=True),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'people.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def test_rows_counts_and_ids_come_back(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        result = await conn.execute(insert(people), {"name": "Ada"})
        assert result.inserted_primary_key == (1,)
        await conn.execute(insert(people), [{"name": "Grace"}, {"name": "Mary"}])
        changed = await conn.execute(update(people).where(people.c.id > 1).values(name=None))
        assert changed.rowcount == 2
    async with engine.connect() as conn:
        rows = (await conn.execute(select(people.c.id, people.c.name).order_by(people.c.id))).all()
    assert [tuple(row) for row in rows] == [(1, "Ada"), (2, None), (3, None)]


async def test_a_failed_transaction_leaves_nothing_and_raises_integrity_error(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(people), {"name": "Ada"})
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(people), {"name": "Grace"})
            await conn.execute(insert(people), {"name": "Ada"})
    async with engine.connect() as conn:
        names = (await conn.execute(select(people.c.name))).scalars().all()
    assert names == ["Ada"]


async def test_streamed_results_still_work(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(people), [{"name": f"p{i}"} for i in range(250)])
    async with engine.connect() as conn:
        stream = await conn.stream(select(people.c.id).order_by(people.c.id))
        ids = [row.id async for row in stream]
    assert ids == list(range(1, 251))


async def test_statements_run_on_the_event_loop_thread(engine: AsyncEngine) -> None:
    seen: list[int] = []

    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        sqlite = raw.driver_connection._conn  # type: ignore[union-attr]
        sqlite.create_function("whose_thread", 0, lambda: seen.append(threading.get_ident()) or 1)
        await conn.execute(text("SELECT whose_thread()"))
    assert seen == [threading.get_ident()]
    # and nothing is left behind when the engine goes: no worker threads were started
    assert not [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]


async def test_concurrent_sessions_take_turns_on_the_one_connection(engine: AsyncEngine) -> None:
    async def add(name: str) -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(people), {"name": name})
            await asyncio.sleep(0)  # hold the transaction across a suspension
            await conn.execute(
                update(people).where(people.c.name == name).values(name=name.upper())
            )

    await asyncio.gather(*(add(f"n{i}") for i in range(20)))
    async with engine.connect() as conn:
        names = set((await conn.execute(select(people.c.name))).scalars())
    assert names == {f"N{i}" for i in range(20)}


def _rows_in_the_database_file(path: Path, copy: Path) -> int:
    """Rows the main database file holds by itself: those a checkpoint has copied out of the WAL."""
    shutil.copyfile(path, copy)  # the file alone, without its -wal
    connection = sqlite3.connect(copy)
    try:
        return int(connection.execute("SELECT count(*) FROM people").fetchone()[0])
    except sqlite3.OperationalError:  # not even the table yet
        return 0
    finally:
        connection.close()


async def test_commits_reach_the_database_file_without_the_loop_checkpointing(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    # a checkpoint copies the WAL into the file and syncs it: milliseconds the event loop would
    # otherwise stall for, every thousand pages or so
    async with engine.connect() as conn:
        pages = (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar_one()
    assert pages == BACKSTOP_PAGES
    for n in range(40):
        async with engine.begin() as conn:
            await conn.execute(insert(people), {"name": f"person {n}"})
    deadline = time.monotonic() + 5
    while _rows_in_the_database_file(tmp_path / "people.db", tmp_path / "copy.db") < 40:
        assert time.monotonic() < deadline, "the committed rows never reached the database file"
        await asyncio.sleep(0.05)


async def test_the_checkpoint_thread_stops_with_the_engine(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'stop.db'}")

    def running() -> bool:
        return any(t.name == f"{CHECKPOINT_THREAD} stop.db" for t in threading.enumerate())

    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    assert running()
    await engine.dispose()
    assert not running()
    # an engine used again after dispose checkpoints again
    async with engine.begin() as conn:
        await conn.execute(insert(people), {"name": "Ada"})
    assert running()
    await engine.dispose()
    assert not running()


async def test_a_database_in_memory_has_no_checkpoint_thread() -> None:
    before = {t for t in threading.enumerate() if t.name.startswith(CHECKPOINT_THREAD)}
    engine = make_engine("sqlite+aiosqlite:///:memory:", null_pool=True)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        after = {t for t in threading.enumerate() if t.name.startswith(CHECKPOINT_THREAD)}
    await engine.dispose()
    assert after == before
