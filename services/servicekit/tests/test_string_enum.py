"""StringEnum: an enum stored as its value in a VARCHAR and read back as the enum."""

from __future__ import annotations

from enum import StrEnum

import pytest
from kit_fixture_models import metadata
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import StatementError

from servicekit.db import Database, StringEnum
from servicekit.migrate import drift

pytestmark = pytest.mark.db


class Colour(StrEnum):
    red = "red"
    dark_blue = "dark_blue"


def paint_table(target: MetaData, column_type: String | StringEnum[Colour]) -> Table:
    return Table(
        "paint",
        target,
        Column("id", Integer, primary_key=True),
        Column("colour", column_type, nullable=True),
    )


def with_paint(column_type: String | StringEnum[Colour]) -> tuple[MetaData, Table]:
    """The fixture service's metadata plus a paint table."""
    combined = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(combined)
    return combined, paint_table(combined, column_type)


async def test_a_value_goes_in_as_text_and_comes_back_as_the_enum(db: Database) -> None:
    _, paint = with_paint(StringEnum(Colour, 20))
    async with db.engine.begin() as conn:
        await conn.run_sync(paint.create)
        await conn.execute(
            insert(paint),
            [
                {"id": 1, "colour": Colour.dark_blue},
                {"id": 2, "colour": "red"},
                {"id": 3, "colour": None},
            ],
        )
        stored = (await conn.execute(text("SELECT colour FROM paint ORDER BY id"))).scalars()
        assert list(stored) == ["dark_blue", "red", None]
        read = list((await conn.execute(select(paint.c.colour).order_by(paint.c.id))).scalars())
        assert read == [Colour.dark_blue, Colour.red, None]
        assert type(read[0]) is Colour
        by_enum = select(paint.c.id).where(paint.c.colour == Colour.red)
        by_value = select(paint.c.id).where(paint.c.colour.in_(["dark_blue"]))
        assert (await conn.execute(by_enum)).scalar_one() == 2
        assert (await conn.execute(by_value)).scalar_one() == 1


async def test_a_value_outside_the_enum_is_refused_both_ways(db: Database) -> None:
    _, paint = with_paint(StringEnum(Colour, 20))
    async with db.engine.begin() as conn:
        await conn.run_sync(paint.create)
        with pytest.raises(StatementError, match="'green' is not a Colour"):
            await conn.execute(insert(paint).values(id=1, colour="green"))
        await conn.execute(text("INSERT INTO paint (id, colour) VALUES (2, 'green')"))
        with pytest.raises(LookupError, match="holds 'green', which is not a Colour"):
            (await conn.execute(select(paint.c.colour))).all()


async def test_the_column_is_the_varchar_it_always_was(db: Database, db_url: str) -> None:
    """Turning a String(n) column into StringEnum(E, n) needs no migration."""
    _, plain = with_paint(String(20))
    async with db.engine.begin() as conn:
        await conn.run_sync(plain.create)
    typed, _ = with_paint(StringEnum(Colour, 20))
    assert await drift(db_url, typed) == []
    longer, _ = with_paint(StringEnum(Colour, 30))
    assert [d[0][0] for d in await drift(db_url, longer)] == ["modify_type"]
