"""What every domain's request schemas share: strictness, names, dates in the past.

A name is the kit's `Text` (no controls, no bidirectional tricks, stored NFC-normalised, so the
same name typed on two keyboards keys the same person).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from servicekit.types import IsoDate, Text


def _not_future_date(value: date) -> date:
    if value > datetime.now(UTC).date():
        raise ValueError("cannot be in the future")
    return value


class Strict(BaseModel):
    """Unknown fields are refused so a typo is not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Name = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PastDate = Annotated[IsoDate, AfterValidator(_not_future_date)]
