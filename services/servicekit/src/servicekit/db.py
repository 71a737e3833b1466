"""The async engine and sessions, for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Column, DateTime, MetaData, String, TypeDecorator, delete, event
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from servicekit.crypto import FieldCipher, bind_field_cipher
from servicekit.sqlite import BACKSTOP_PAGES, WalCheckpointer
from servicekit.sqlite import dbapi as sqlite_on_the_loop

# Explicit constraint names so migrations are stable across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes in and out, stored as UTC on both SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class GUID(TypeDecorator[uuid.UUID]):
    """UUIDs as 36-character strings on every database: portable and readable in a console."""

    impl = String(36)
    cache_ok = True

    @property
    def python_type(self) -> type[uuid.UUID]:
        return uuid.UUID

    def process_bind_param(self, value: uuid.UUID | str | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> uuid.UUID | None:
        return None if value is None else uuid.UUID(value)


E = TypeVar("E", bound=StrEnum)


class StringEnum(TypeDecorator[E]):
    """An enum stored as its value in a VARCHAR(length) and read back as the enum.

    The column is the String(length) it would be without the enum, so a string column becomes
    a StringEnum with no migration and no change to what is stored. Writing accepts a member
    or its value and refuses anything else; reading a value outside the enum fails, naming it.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum
        self.length = length

    def _choices(self) -> str:
        return ", ".join(member.value for member in self.enum)

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return self.enum(value).value
        except ValueError:
            raise ValueError(
                f"{value!r} is not a {self.enum.__name__}: use one of {self._choices()}"
            ) from None

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        if value is None:
            return None
        try:
            return self.enum(value)
        except ValueError:
            raise LookupError(
                f"the database holds {value!r}, which is not a {self.enum.__name__} "
                f"({self._choices()}): add it to the enum or migrate the rows"
            ) from None


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, null_pool: bool = False, **kwargs: Any) -> AsyncEngine:
    """An engine tuned per database.

    SQLite takes one writer at a time: a single pooled connection, WAL and synchronous=NORMAL
    keep write latency in milliseconds where a larger pool makes writers collide. Statements
    run on the event loop's thread, and a database file is checkpointed on a thread of its own
    (`servicekit.sqlite`).
    """
    if null_pool:
        # a connection per use: for callers that run each request on its own event loop
        kwargs["poolclass"] = NullPool
    elif is_sqlite(url):
        kwargs.update(pool_size=1, max_overflow=0)
    else:
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    if is_sqlite(url):
        if url.startswith("sqlite+aiosqlite"):
            kwargs.setdefault("module", sqlite_on_the_loop())
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        path = engine.url.database
        checkpointer = (
            None
            if not path or path == ":memory:" or path.startswith("file:")
            else WalCheckpointer(path)
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if checkpointer is not None:
                cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
                checkpointer.start()
            cursor.close()

        if checkpointer is not None:
            event.listen(engine.sync_engine, "engine_disposed", lambda _: checkpointer.stop())
        return engine
    return create_async_engine(url, **kwargs)


class Database:
    """One engine and session factory per service process.

    Commit hooks let the outbox relay wake as soon as a transaction that wrote an event commits.
    """

    def __init__(
        self, url: str, *, cipher: FieldCipher | None = None, **engine_kwargs: Any
    ) -> None:
        """`cipher` reads and writes this database's `Encrypted` columns; without one they
        cannot be used (a tool reading only plain tables needs none)."""
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        if cipher is not None:
            bind_field_cipher(self.engine, cipher)
        self._commit_listeners: list[Callable[[], None]] = []

        class _SyncSession(Session):
            pass

        @event.listens_for(_SyncSession, "after_commit")
        def _after_commit(session: Session) -> None:
            if session.info.pop("events_written", False):
                for listener in self._commit_listeners:
                    listener()

        @event.listens_for(_SyncSession, "after_rollback")
        def _after_rollback(session: Session) -> None:
            session.info.pop("events_written", None)

        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=_SyncSession
        )

    def on_events_committed(self, listener: Callable[[], None]) -> None:
        """Call `listener` after each commit of a transaction that wrote outbox events."""
        self._commit_listeners.append(listener)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    async def ping(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)

    async def delete_older_than(self, column: Column[datetime], seconds: float) -> int:
        """Delete the rows of `column`'s table whose `column` is more than `seconds` ago (rows
        where it is NULL stay); returns how many. For what a service keeps only for a while."""
        cutoff = utcnow() - timedelta(seconds=seconds)
        async with self.session() as session:
            result = await session.execute(delete(column.table).where(column < cutoff))
            await session.commit()
        # a DELETE answers with a cursor's result, which alone counts rows
        return int(result.rowcount or 0) if isinstance(result, CursorResult) else 0

    async def dispose(self) -> None:
        await self.engine.dispose()
