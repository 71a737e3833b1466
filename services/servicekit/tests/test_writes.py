"""Staged rows: written with their transaction's commit, on PostgreSQL in one statement."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from kit_fixture_support import kit, notes, withdrawn_event
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError

from servicekit.db import Database, utcnow
from servicekit.outbox import add_event
from servicekit.writes import MAX_TOGETHER, stage, staged

pytestmark = pytest.mark.db


def key_row(key: str, body: Any = None) -> dict[str, Any]:
    return {
        "scope": "officer-1:POST /v1/things",
        "key": key,
        "request_hash": "h",
        "status_code": 201,
        "response_body": body or {"id": key},
        "headers": {},
        "created_at": utcnow(),
    }


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def rows_in(db: Database) -> tuple[int, int]:
    async with db.session() as session:
        keys = await session.execute(select(func.count()).select_from(kit.idempotency_keys))
        events = await session.execute(select(func.count()).select_from(kit.outbox))
        return keys.scalar_one(), events.scalar_one()


async def test_staged_rows_reach_the_database_with_the_commit(db: Database) -> None:
    async with db.session() as session:
        stage(session, kit.idempotency_keys, key_row("k-00000001"))
        await add_event(session, kit, withdrawn_event())
        assert len(staged(session)) == 2
        assert await rows_in(db) == (0, 0)  # nothing written before the commit
        with statements(db) as seen:
            await session.commit()
        assert staged(session) == []
    assert await rows_in(db) == (1, 1)
    inserts = [s for s in seen if s in {"INSERT", "WITH"}]
    # PostgreSQL takes both rows in one statement; SQLite, which has no INSERT in WITH, in two
    expected = ["WITH"] if db.engine.dialect.name == "postgresql" else ["INSERT", "INSERT"]
    assert inserts == expected


async def test_a_rolled_back_transaction_writes_none_of_them(db: Database) -> None:
    async with db.session() as session:
        stage(session, kit.idempotency_keys, key_row("k-00000002"))
        await add_event(session, kit, withdrawn_event())
        await session.rollback()
        assert staged(session) == []
        await session.commit()
    assert await rows_in(db) == (0, 0)


async def test_a_clash_fails_the_commit_and_leaves_nothing(db: Database) -> None:
    async with db.session() as session:
        stage(session, kit.idempotency_keys, key_row("k-00000003"))
        await session.commit()
    async with db.session() as session:
        await add_event(session, kit, withdrawn_event())
        stage(session, kit.idempotency_keys, key_row("k-00000003"))
        with pytest.raises(IntegrityError):
            await session.commit()
        await session.rollback()
    assert await rows_in(db) == (1, 0)


async def test_each_transaction_writes_only_its_own_rows(db: Database) -> None:
    async with db.session() as session:
        for n in range(3):
            stage(session, kit.idempotency_keys, key_row(f"k-1000000{n}", {"n": n, "x": [n]}))
            await add_event(session, kit, withdrawn_event())
            await session.commit()
            assert await rows_in(db) == (n + 1, n + 1)
    async with db.session() as session:
        bodies = (await session.execute(select(kit.idempotency_keys.c.response_body))).scalars()
        assert sorted(body["n"] for body in bodies) == [0, 1, 2]


async def test_a_batch_larger_than_the_limit_is_written_row_by_row(db: Database) -> None:
    rows = MAX_TOGETHER + 2
    async with db.session() as session:
        for _ in range(rows):
            await add_event(session, kit, withdrawn_event())
        with statements(db) as seen:
            await session.commit()
    assert await rows_in(db) == (0, rows)
    assert [s for s in seen if s in {"INSERT", "WITH"}] == ["INSERT"] * rows


async def test_staged_values_read_back_as_they_were_given(db: Database, cipher: Any) -> None:
    # each kind of column a service stages: UUIDs, aware datetimes, JSON, integers, encrypted text
    note_id, at = uuid.uuid4(), datetime(2026, 11, 26, 21, 30, 15, 123456, tzinfo=UTC)
    body = {"id": "r-1", "nested": {"list": [1, 2.5, None, True], "text": "Zoë"}}
    async with db.session() as session:
        stage(session, notes, {"id": note_id, "body": "rings after 6pm", "created_at": at})
        stage(session, kit.idempotency_keys, key_row("k-20000001", body) | {"created_at": at})
        await add_event(session, kit, withdrawn_event())
        await session.commit()
    async with db.session() as session:
        note = (await session.execute(select(notes))).one()
        stored = (await session.execute(text("SELECT body FROM notes"))).scalar_one()
        key = (await session.execute(select(kit.idempotency_keys))).one()
        event_row = (await session.execute(select(kit.outbox))).one()
    assert (note.id, note.body, note.created_at) == (note_id, "rings after 6pm", at)
    assert "rings" not in stored  # encrypted at rest, as through any other insert
    assert (key.response_body, key.headers, key.status_code, key.created_at) == (body, {}, 201, at)
    assert event_row.attempts == 0 and event_row.published_at is None


async def test_a_row_without_a_defaulted_column_gets_the_default(db: Database) -> None:
    event = withdrawn_event()
    async with db.session() as session:
        stage(
            session,
            kit.outbox,
            {"id": event.id, "subject": event.type, "payload": "{}", "created_at": utcnow()},
        )
        await session.commit()
    async with db.session() as session:
        attempts = (await session.execute(select(kit.outbox.c.attempts))).scalar_one()
    assert attempts == 0
