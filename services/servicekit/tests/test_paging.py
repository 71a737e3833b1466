"""Keyset pages: every row once across pages, in either direction, through ties; cursors strict."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from kit_fixture_support import notes
from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlalchemy.orm import registry

from servicekit import cursors
from servicekit.db import Database
from servicekit.paging import Page, paginate
from servicekit.problems import Problem

pytestmark = pytest.mark.db


class Note:
    id: uuid.UUID
    body: str
    created_at: datetime


registry().map_imperatively(Note, notes)

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


async def _add(db: Database, count: int) -> list[tuple[datetime, uuid.UUID]]:
    # three rows share each instant, so only the id tells them apart
    keys = [(START + timedelta(minutes=i // 3), uuid.uuid4()) for i in range(count)]
    async with db.session() as session:
        for at, note_id in keys:
            await session.execute(insert(notes).values(id=note_id, body="x", created_at=at))
        await session.commit()
    return keys


async def _all_pages(db: Database, limit: int, *, descending: bool) -> list[list[uuid.UUID]]:
    pages: list[list[uuid.UUID]] = []
    cursor = None
    async with db.session() as session:
        while True:
            found = await paginate(
                session,
                select(Note),
                order=(Note.created_at, Note.id),  # type: ignore[arg-type]
                cursor=cursor,
                limit=limit,
                descending=descending,
            )
            pages.append([note.id for note in found.rows])
            cursor = found.next_cursor
            if cursor is None:
                return pages


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 4, 7, 8])
async def test_pages_hold_every_row_once_in_order(
    db: Database, limit: int, descending: bool
) -> None:
    keys = sorted(await _add(db, 7), key=lambda k: (k[0], str(k[1])), reverse=descending)
    pages = await _all_pages(db, limit, descending=descending)
    assert [note_id for page in pages for note_id in page] == [note_id for _, note_id in keys]
    assert all(1 <= len(page) <= limit for page in pages)
    assert len(pages) == -(-7 // limit)  # no empty page after a full last one


async def test_an_empty_list_is_one_empty_page(db: Database) -> None:
    assert await _all_pages(db, 5, descending=False) == [[]]


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        cursors.encode(START),  # a cursor of another list: one value, not two
        cursors.encode(START, "not-a-uuid"),
        cursors.encode("yesterday", uuid.uuid4()),
    ],
)
async def test_a_cursor_this_list_did_not_write_is_a_422_naming_it(
    db: Database, cursor: str
) -> None:
    async with db.session() as session:
        with pytest.raises(Problem) as refused:
            await paginate(
                session,
                select(Note),
                order=(Note.created_at, Note.id),  # type: ignore[arg-type]
                cursor=cursor,
                limit=5,
            )
    assert refused.value.status == 422
    assert refused.value.errors == [
        {"field": "cursor", "message": "is not a cursor from a previous page"}
    ]


def test_a_page_keeps_the_shape_every_list_has() -> None:
    class NotePage(Page[int]):
        pass

    assert NotePage(items=[1, 2], next_cursor=None).model_dump(mode="json") == {
        "items": [1, 2],
        "next_cursor": None,
    }
    schema = NotePage.model_json_schema()
    assert schema["title"] == "NotePage"
    assert schema["required"] == ["items", "next_cursor"]
    assert issubclass(NotePage, BaseModel)
