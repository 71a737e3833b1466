"""Rows written together when their transaction commits.

A referral writes three rows that nothing in its transaction reads back: the referral, its
outbox event and its Idempotency-Key. Each statement is a round trip to PostgreSQL and a pass
through SQLAlchemy and the driver. `stage` holds such rows in the session; just before commit they
are inserted, on PostgreSQL as one statement for up to `MAX_TOGETHER` rows (each extra row a
data-modifying `WITH` part, which PostgreSQL always runs to completion), otherwise one statement
each, in the order staged. The rows are in the same transaction as everything else, so they
commit or roll back with it, and a clash on a unique key is raised by `commit()` as an
`IntegrityError`, as it would have been earlier.

Only stage rows that the rest of the transaction does not read back and that no other staged row
refers to, and not inside a savepoint (`begin_nested`): a savepoint rolled back keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, event, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.dml import Insert

_STAGED = "servicekit.staged_rows"

# Rows folded into one statement at most: a transaction that stages more (a batch of events)
# writes one statement per row, so the shapes below stay few and each stays small.
MAX_TOGETHER = 4

# one statement per shape (the tables and their columns), so SQLAlchemy compiles each once
_together: dict[tuple[tuple[Table, tuple[str, ...]], ...], Insert] = {}


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


def _statement_for(rows: Sequence[tuple[Table, dict[str, Any]]]) -> Insert:
    shape = tuple((table, tuple(sorted(values))) for table, values in rows)
    statement = _together.get(shape)
    if statement is None:
        parts = [_single(table, sorted(values), f"r{i}_") for i, (table, values) in enumerate(rows)]
        statement = parts[-1]
        for i, part in enumerate(parts[:-1]):
            statement = statement.add_cte(part.cte(f"staged_{i}"))
        _together[shape] = statement
    return statement


def _write(session: Session) -> None:
    rows: list[tuple[Table, dict[str, Any]]] = session.info.pop(_STAGED, [])
    if not rows:
        return
    together = 1 < len(rows) <= MAX_TOGETHER
    if together and session.get_bind().dialect.name == "postgresql":
        parameters = {
            f"r{i}_{name}": value
            for i, (_, values) in enumerate(rows)
            for name, value in values.items()
        }
        session.execute(_statement_for(rows), parameters)
        return
    for table, values in rows:
        session.execute(insert(table), values)


def _discard(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the session's transaction, not a savepoint within it
        session.info.pop(_STAGED, None)


# on every session: a row staged through any session reaches the database with its commit, and
# a transaction that ends any other way takes its staged rows with it
event.listen(Session, "before_commit", _write)
event.listen(Session, "after_transaction_end", _discard)
