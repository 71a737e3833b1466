"""Rows written together when their transaction commits.

A referral writes three rows that nothing in its transaction reads back: the referral, its
outbox event and its Idempotency-Key. Each statement is a round trip to PostgreSQL and a pass
through SQLAlchemy and the driver. `stage` holds such rows in the session; just before commit they
are inserted, on PostgreSQL as one statement for up to `MAX_TOGETHER` rows (each extra row a
data-modifying `WITH` part, which PostgreSQL always runs to completion), otherwise one statement
each, in the order staged. The rows are in the same transaction as everything else, so they
commit or roll back with it, and a clash on a unique key is raised by `commit()` as an
`IntegrityError`, as it would have been earlier.

Each shape of statement is compiled once per database connection, with the type conversions of
its columns (encryption, JSON, dates), and sent with `exec_driver_sql`: SQLAlchemy's usual path
looks the statement up in its cache and rebuilds its parameters on every execution, which cost
more than SQLite's own work for the row. A row that leaves out a column with a Python default
goes the usual way, so SQLAlchemy fills the default in.

Only stage rows that the rest of the transaction does not read back and that no other staged row
refers to, and not inside a savepoint (`begin_nested`): a savepoint rolled back keeps them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, event, insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert

_STAGED = "servicekit.staged_rows"

# Rows folded into one statement at most: a transaction that stages more (a batch of events)
# writes one statement per row, so the shapes below stay few and each stays small.
MAX_TOGETHER = 4

Shape = tuple[tuple[Table, tuple[str, ...]], ...]
"""The tables of a statement's rows, in order, and the columns each row gives."""


@dataclass(frozen=True)
class _Prepared:
    """A statement compiled for one database connection: its SQL, and for each positional
    parameter the name it takes its value from and the conversion the column's type makes."""

    sql: str
    parameters: tuple[tuple[str, Callable[[Any], Any] | None], ...]

    def bind(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            values[name] if convert is None else convert(values[name])
            for name, convert in self.parameters
        )


# in each pooled connection's `info` (it lives as long as the connection, and a conversion can
# depend on its engine's options): per shape, the prepared statement, or the statement itself
# where SQLAlchemy must fill in a default
_PREPARED = "servicekit.staged_statements"


def stage(session: AsyncSession, table: Table, values: Mapping[str, Any]) -> None:
    """Insert `values` into `table` when the session's transaction commits."""
    if not session.in_transaction():
        # begin it now (no statement yet), so a rollback before any statement discards the row
        session.sync_session.begin()
    session.info.setdefault(_STAGED, []).append((table, dict(values)))


def staged(session: AsyncSession | Session) -> list[tuple[Table, dict[str, Any]]]:
    """The rows waiting for the session's commit (for tests and diagnostics)."""
    return list(session.info.get(_STAGED, ()))


def _single(table: Table, columns: Sequence[str], prefix: str) -> Insert:
    return insert(table).values(
        {name: bindparam(f"{prefix}{name}", type_=table.c[name].type) for name in columns}
    )


def _statement_for(shape: Shape) -> Insert:
    """One INSERT for one row (its parameters named as its columns), or for several a
    data-modifying `WITH` part for each but the last (row i's parameters prefixed `ri_`)."""
    if len(shape) == 1:
        return _single(*shape[0], prefix="")
    parts = [_single(table, columns, f"r{i}_") for i, (table, columns) in enumerate(shape)]
    statement = parts[-1]
    for i, part in enumerate(parts[:-1]):
        statement = statement.add_cte(part.cte(f"staged_{i}"))
    return statement


def _prepare(statement: Insert, dialect: Dialect) -> _Prepared | None:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if compiled.insert_prefetch or compiled.positiontup is None or compiled.escaped_bind_names:
        # a Python-side default to compute, named parameters, or a column name that needs its
        # parameter renamed: SQLAlchemy's usual path
        return None
    return _Prepared(
        compiled.string,
        tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in compiled.positiontup
        ),
    )


def _insert(
    session: Session, connection: Connection, rows: Sequence[tuple[Table, dict[str, Any]]]
) -> None:
    shape: Shape = tuple((table, tuple(sorted(values))) for table, values in rows)
    if len(rows) == 1:
        parameters = rows[0][1]
    else:
        parameters = {
            f"r{i}_{name}": value
            for i, (_, values) in enumerate(rows)
            for name, value in values.items()
        }
    known: dict[Shape, _Prepared | Insert] = connection.info.setdefault(_PREPARED, {})
    if shape not in known:
        statement = _statement_for(shape)
        known[shape] = _prepare(statement, connection.dialect) or statement
    prepared = known[shape]
    if isinstance(prepared, _Prepared):
        connection.exec_driver_sql(prepared.sql, prepared.bind(parameters))
    else:
        session.execute(prepared, parameters)


def _write(session: Session) -> None:
    rows: list[tuple[Table, dict[str, Any]]] = session.info.pop(_STAGED, [])
    if not rows:
        return
    connection = session.connection()
    if 1 < len(rows) <= MAX_TOGETHER and connection.dialect.name == "postgresql":
        _insert(session, connection, rows)
        return
    for row in rows:
        _insert(session, connection, [row])


def _discard(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the session's transaction, not a savepoint within it
        session.info.pop(_STAGED, None)


# on every session: a row staged through any session reaches the database with its commit, and
# a transaction that ends any other way takes its staged rows with it
event.listen(Session, "before_commit", _write)
event.listen(Session, "after_transaction_end", _discard)
