"""Field types for request bodies and queries that refuse silent coercion.

Pydantic's lax mode turns 0 into 1970-01-01 and "yes" into true. A person's birth date or an
officer's answer must arrive exactly as written, so these types accept only ISO 8601 text for
dates and times, JSON numbers for quantities, and JSON booleans for answers.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, Strict, StrictBool

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("enter a date as YYYY-MM-DD, like 1998-04-12")
    return value


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise ValueError(
            "enter a date and time in ISO 8601 with a timezone, like 2026-11-26T10:30Z"
        )
    return value


def _query_flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("use true or false")


def _json_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("enter a number")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime)]
Number = Annotated[float, BeforeValidator(_json_number)]
Flag = Annotated[bool, Strict()]  # a JSON true or false, never 1 or "yes"
Count = Annotated[int, Strict()]  # a JSON integer, never "5"
QueryFlag = Annotated[bool, BeforeValidator(_query_flag)]  # ?overdue=true, never ?overdue=1

__all__ = ["Count", "Flag", "IsoDate", "IsoDateTime", "Number", "QueryFlag", "StrictBool"]
