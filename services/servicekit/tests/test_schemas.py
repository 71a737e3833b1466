"""FromRow: response models read from a row's attributes, plus the facts the row lacks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import pytest
from pydantic import Field, ValidationError

from servicekit.schemas import FromRow


class Shade(StrEnum):
    red = "red"


@dataclass
class Row:
    id: int
    given_name: str
    born: str
    shade: Shade
    secret: str = "not for everyone"


class Name(FromRow):
    given_name: str
    date_of_birth: date = Field(validation_alias="born")


class Out(FromRow):
    id: int
    shade: Shade
    name: Name
    count: int
    secret: str | None


def test_fields_come_from_the_row_and_the_facts() -> None:
    row = Row(id=7, given_name="Sam", born="1998-04-12", shade=Shade.red)
    out = Out.of(row, name=row, count=3)
    assert out.model_dump() == {
        "id": 7,
        "shade": Shade.red,
        "name": {"given_name": "Sam", "date_of_birth": date(1998, 4, 12)},
        "count": 3,
        "secret": "not for everyone",
    }


def test_a_fact_stands_in_front_of_the_row() -> None:
    row = Row(id=7, given_name="Sam", born="1998-04-12", shade=Shade.red)
    assert Out.of(row, name=row, count=0, secret=None).secret is None
    assert Name.of(row, given_name="Alex").given_name == "Alex"


def test_a_field_neither_gives_is_an_error_naming_it() -> None:
    row = Row(id=7, given_name="Sam", born="1998-04-12", shade=Shade.red)
    with pytest.raises(ValidationError) as refused:
        Out.of(row, name=row)
    assert [e["loc"] for e in refused.value.errors()] == [("count",)]
