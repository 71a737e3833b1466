"""Response schemas read from ORM rows.

A response model that subclasses `FromRow` is built with `Model.of(row, **facts)`: each field is
read from the row's attribute of the same name (or its `validation_alias`), and the keyword
arguments supply what the row does not hold: a count from another query, a value derived at
request time, a field hidden from the caller's role (`None`), or the same row again for a
nested model that shows part of it. Nothing copies the row's attributes by hand, so a field
added to the schema and the model is read without another line, and a field the row lacks is a
validation error naming it.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class _RowWith:
    """The row's attributes, with the given facts in front of them."""

    __slots__ = ("_facts", "_row")

    def __init__(self, row: object, facts: dict[str, Any]) -> None:
        self._row = row
        self._facts = facts

    def __getattr__(self, name: str) -> Any:
        facts = object.__getattribute__(self, "_facts")
        if name in facts:
            return facts[name]
        return getattr(object.__getattribute__(self, "_row"), name)


class FromRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, row: object, **facts: Any) -> Self:
        """The model read from `row`, with `facts` for what the row does not hold."""
        return cls.model_validate(_RowWith(row, facts) if facts else row, from_attributes=True)


__all__ = ["FromRow"]
