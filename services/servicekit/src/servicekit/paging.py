"""Keyset pages for every list: one page type, one query helper.

A list orders its rows by a few columns ending in a unique one (an id), and a page ends where
the next begins: the cursor is that last row's sort key (`servicekit.cursors`). So a row written
or deleted while someone pages never makes another row appear twice or not at all, and a page
deep in the list costs the same as the first.

    class CasePage(Page[CaseSummary]):
        \"\"\"One page of the queue.\"\"\"

    found = await paginate(
        session, query, order=(Case.due_at, Case.id), cursor=cursor, limit=limit
    )
    return CasePage(items=[summary(c) for c in found.rows], next_cursor=found.next_cursor)

with `cursor: CursorQuery = None, limit: LimitQuery = 20` as the route's parameters.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from servicekit import cursors

T = TypeVar("T")
M = TypeVar("M")

CursorQuery = Annotated[
    str | None,
    Query(
        max_length=400,
        description="Opaque: the `next_cursor` of the page before, exactly as this list wrote "
        "it; absent for the first page. Any other text is refused (422).",
    ),
]
LimitQuery = Annotated[int, Query(ge=1, le=100, description="Rows on a page.")]


class Page(BaseModel, Generic[T]):
    """One page of a list. Subclass it per list (`class CasePage(Page[CaseSummary])`) so the
    OpenAPI document names each page for what it holds."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Opaque: pass it unchanged as `cursor` for the next page; null at the end."
    )


@dataclass(frozen=True)
class Found(Generic[M]):
    """The rows of one page, and the cursor of the page after it (None at the end)."""

    rows: list[M]
    next_cursor: str | None


def _reader(column: InstrumentedAttribute[Any]) -> Callable[[str], cursors.Value]:
    """How a cursor's text is read back for `column`: strictly, by the column's type."""
    python_type = column.type.python_type
    if issubclass(python_type, datetime):
        return cursors.instant
    if issubclass(python_type, uuid.UUID):
        return cursors.identifier
    if issubclass(python_type, str):
        return str
    raise TypeError(f"cannot page on {column}: only text, date-time and UUID columns")


async def paginate(
    session: AsyncSession,
    statement: Select[M],
    *,
    order: Sequence[InstrumentedAttribute[Any]],
    cursor: str | None,
    limit: int,
    descending: bool = False,
) -> Found[M]:
    """One page of `statement`'s rows in `order` (ascending, or all descending), after `cursor`.

    `order` must end in a unique column, so no two rows share a key. A cursor that is not one
    this list wrote is a 422 naming `cursor`.
    """
    readers = [_reader(column) for column in order]
    if cursor:
        texts = cursors.decode(cursor, len(order))
        bound = tuple_(
            *(
                literal(read(text), type_=column.type)
                for column, read, text in zip(order, readers, texts, strict=True)
            )
        )
        key = tuple_(*order)
        statement = statement.where(key < bound if descending else key > bound)
    ordering = [column.desc() for column in order] if descending else list(order)
    statement = statement.order_by(*ordering).limit(limit + 1)
    rows = list((await session.scalars(statement)).all())
    if len(rows) <= limit:
        return Found(rows, None)
    last = rows[limit - 1]
    return Found(rows[:limit], cursors.encode(*(getattr(last, c.key) for c in order)))
