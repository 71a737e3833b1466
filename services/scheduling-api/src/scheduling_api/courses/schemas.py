"""Course type requests and responses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.vocabulary import Pathway
from servicekit.paging import Page
from servicekit.schemas import FromRow
from servicekit.types import Count


class CourseTypeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    pathway: Pathway = Field(description="The pathway an assessment allocates people to.")
    name: str = Field(min_length=1, max_length=120, description="What people and staff call it.")
    duration_minutes: Count = Field(
        default=150, ge=15, le=480, description="A session's usual length (groups: 2 to 3 hours)."
    )


class CourseTypeOut(FromRow):
    id: uuid.UUID
    force_id: str
    pathway: Pathway
    name: str
    duration_minutes: int
    created_at: datetime


class CourseTypePage(Page[CourseTypeOut]):
    """The force's courses."""


def example_course_type() -> dict[str, Any]:
    return {"pathway": "nitrous_oxide_group", "name": "Nitrous oxide awareness group"}
