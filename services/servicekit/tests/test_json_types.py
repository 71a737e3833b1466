"""The JSON value types: what a client may send for a count, and what it may not."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from servicekit.types import Count


class Seats(BaseModel):
    seats: Count


@pytest.mark.parametrize("sent", [5, 5.0, 0, -3.0])
def test_a_count_is_any_json_integer_including_one_written_with_a_point(sent: float) -> None:
    # JSON Schema's "integer" is any number without a fraction: 5.0 is one, as the document
    # tells clients, so refusing it would break the document's promise
    assert Seats.model_validate({"seats": sent}).seats == int(sent)
    assert type(Seats.model_validate({"seats": sent}).seats) is int


@pytest.mark.parametrize("sent", ["5", 5.5, True, None, [5]])
def test_a_count_is_never_text_a_fraction_or_a_flag(sent: object) -> None:
    with pytest.raises(ValidationError):
        Seats.model_validate({"seats": sent})


def test_a_count_is_documented_as_an_integer() -> None:
    assert Seats.model_json_schema()["properties"]["seats"]["type"] == "integer"
