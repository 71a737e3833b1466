"""Times as people read them: every session time is shown in Europe/London, with its offset."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import PlainSerializer

LONDON = ZoneInfo("Europe/London")


def in_london(value: datetime) -> datetime:
    return value.astimezone(LONDON)


LondonTime = Annotated[
    datetime, PlainSerializer(lambda v: in_london(v).isoformat(), return_type=str)
]
