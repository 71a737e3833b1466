"""SQLite for the async engine, run on the event loop's own thread.

SQLAlchemy's `sqlite+aiosqlite` dialect hands every sqlite3 call to aiosqlite's worker thread: a
trip to open a cursor, one to execute, one to fetch and one to close, each waking the event loop
when it returns. A SQLite statement on a local file takes microseconds, far less than those
hand-offs (measured in `docs/decisions/0005-sqlite-on-the-event-loop.md`). This driver keeps the
dialect, its SQL and its transactions, and makes the same sqlite3 calls directly.

What that costs: while one statement runs, nothing else in the process does. That is only long
when SQLite waits for a lock another process holds (up to `busy_timeout`). A service owns its
database file and uses one pooled connection (`servicekit.db.make_engine`), so within a service no
statement waits for another; PostgreSQL is the database for more than one process.

Pass `module=dbapi()` to `create_async_engine` with a `sqlite+aiosqlite` URL.

WAL checkpoints are the one slow thing SQLite does by itself: every thousand pages or so, the
commit that crosses the mark copies the WAL into the database file and syncs it, for 10-25 ms on
this project's machines. `WalCheckpointer` does that on a thread of its own instead
(`PRAGMA wal_checkpoint(PASSIVE)`, which never waits for or blocks a writer, with the file sync
outside the GIL), and the serving connection checkpoints only as a backstop, if the WAL ever
reaches `BACKSTOP_PAGES`.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
import threading
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

T = TypeVar("T")

log = logging.getLogger(__name__)

CHECKPOINT_THREAD = "sqlite-checkpoint"
# The serving connection checkpoints only if the background falls this far behind (64 MiB of
# 4 KiB pages): under a long unbroken burst of writes, or if the thread cannot open the file.
BACKSTOP_PAGES = 16384


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, its calls made on the caller's thread instead of a worker's."""

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class DirectCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor: execute runs the statement and fetches every row at once."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # no aiosqlite cursor: each execute opens and closes its own sqlite3 cursor
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # none: each execute opens its own
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]  # None before an INSERT, as in sqlite3

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:  # buffered: every row is already fetched
        pass

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        cursor = self._connection._conn.cursor()
        try:
            if many:
                cursor.executemany(operation, parameters)
            elif parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
            self._description = cursor.description
            self._rows = collections.deque(cursor.fetchall() if self._description else ())
            self._rowcount = cursor.rowcount
            self._lastrowid = cursor.lastrowid
        finally:
            cursor.close()

    # SQLAlchemy's execute awaits these (its async API insists on one await per statement);
    # nothing in them suspends, so no lock is needed around the cursor
    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        self._run(operation, seq_of_parameters, many=True)

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None

    def nextset(self) -> None:
        return None


class DirectConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = DirectCursor  # type: ignore[assignment]  # ours, not a subclass of aiosqlite's

    @property
    def isolation_level(self) -> str | None:
        return cast(str | None, self._connection.isolation_level)

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection._conn.isolation_level = value

    def _call(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception as error:
            self._handle_exception(error)

    def commit(self) -> None:
        if self._connection._connection is not None:
            self._call(self._connection._connection.commit)

    def rollback(self) -> None:
        if self._connection._connection is not None:
            self._call(self._connection._connection.rollback)

    def close(self) -> None:
        self._connection.stop()


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DBAPI as SQLAlchemy adapts it, with connections that make calls inline."""

    def connect(self, database: Any, **kwargs: Any) -> DirectConnection:
        kwargs.pop("async_creator_fn", None)
        # every call comes from the event loop's thread; cleanup may come from elsewhere
        kwargs["check_same_thread"] = False
        location = database.decode() if isinstance(database, bytes) else str(database)

        def connector() -> sqlite3.Connection:
            connection: sqlite3.Connection = sqlite3.connect(location, **kwargs)
            return connection

        inline: Any = await_(InlineConnection(connector, 64))
        return DirectConnection(self, inline)


def dbapi() -> InlineDBAPI:
    return InlineDBAPI(aiosqlite, sqlite3)


class WalCheckpointer:
    """Checkpoints one WAL-mode database file from a daemon thread with its own connection.

    Every `interval` seconds: `PRAGMA wal_checkpoint(PASSIVE)` copies what it can of the WAL into
    the database file without waiting for any reader or writer; the next write transaction after
    a complete checkpoint starts the WAL again from its beginning. `start` and `stop` follow the
    engine (its first connection and its `dispose`).
    """

    def __init__(self, path: str, *, interval: float = 0.1) -> None:
        self.path = str(Path(path).resolve())
        self.interval = interval
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping = threading.Event()
            self._thread = threading.Thread(
                target=self._run,
                args=(self._stopping,),
                name=f"{CHECKPOINT_THREAD} {Path(self.path).name}",
                daemon=True,
            )
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
            self._stopping.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self, stopping: threading.Event) -> None:
        try:
            # read-write, never create: a database file removed under it ends the thread
            connection = sqlite3.connect(
                f"{Path(self.path).as_uri()}?mode=rw", uri=True, check_same_thread=True
            )
        except sqlite3.Error as error:
            log.warning("no background WAL checkpoints for %s: %s", self.path, error)
            return
        failing = False
        try:
            while not stopping.wait(self.interval):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    failing = False
                except sqlite3.Error as error:
                    if not failing:  # once per spell of failures, not every interval
                        log.warning("WAL checkpoint of %s failed: %s", self.path, error)
                    failing = True
        finally:
            connection.close()
