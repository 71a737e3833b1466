"""What a database failure means for the caller: unreachable, a uniqueness race, or a fault.

Only a failure to reach the database, or a server too busy to answer in time, is worth
retrying shortly (503), and only a unique or primary key clash is a race with another writer
(409). Everything else a database refuses, a NOT NULL, foreign key or check constraint, a
statement naming a column that does not exist, a value of the wrong type, is a fault in the
service: a 500 with its traceback in the log.

SQLite reports its own faults as `OperationalError` too ("no such column"), and asyncpg reports
data errors as a plain `DBAPIError`, so the class of the exception alone cannot tell; the
database's own error code does.
"""

from __future__ import annotations

import errno
import socket
import sqlite3

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# socket-level failures: the peer is not there, went away, or the network is down
_SOCKET_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.EHOSTDOWN,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.ENETRESET,
        errno.EADDRNOTAVAIL,
    }
)

# SQLite primary result codes meaning the database file cannot be used just now
_SQLITE_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
    }
)
_SQLITE_UNIQUE = frozenset({sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY})

# PostgreSQL SQLSTATE: class 08 is a connection exception; 57P01-57P03 the server shutting
# down or starting; 53300 too many connections; 57014 a statement cancelled by the server's
# statement_timeout and 55P03 a lock not granted within lock_timeout (the server is too busy
# just now: the same request may well work in a moment)
_PG_UNAVAILABLE_PREFIXES = ("08", "57P01", "57P02", "57P03", "53300", "57014", "55P03")
_PG_UNIQUE = "23505"


def _socket_failure(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror | socket.herror):
        return True
    if isinstance(exc, OSError) and exc.errno in _SOCKET_ERRNOS:
        return True
    # asyncpg trying several addresses raises OSError("Multiple exceptions: ...") of them all
    return type(exc) is OSError and exc.errno is None and "Connect call failed" in str(exc)


def _sqlstate(exc: BaseException | None) -> str | None:
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return state if isinstance(state, str) else None


def is_unreachable(exc: BaseException) -> bool:
    """The database could not be reached or used just now; the same request may work later."""
    if isinstance(exc, PoolTimeout):
        return True  # every connection in the pool busy for the whole wait
    if not isinstance(exc, DBAPIError):
        return _socket_failure(exc)
    if exc.connection_invalidated or isinstance(exc, InterfaceError):
        return True
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_UNAVAILABLE
    state = _sqlstate(orig)
    if state is not None:
        return state.startswith(_PG_UNAVAILABLE_PREFIXES)
    cause = orig.__cause__ if orig is not None else None
    return any(e is not None and _socket_failure(e) for e in (orig, cause))


def is_uniqueness_race(exc: BaseException) -> bool:
    """A unique or primary key clash: another writer got there first."""
    if not isinstance(exc, IntegrityError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        return getattr(orig, "sqlite_errorcode", None) in _SQLITE_UNIQUE
    return _sqlstate(orig) == _PG_UNIQUE
