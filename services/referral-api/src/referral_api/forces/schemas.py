"""What clients see of a force's configuration."""

from __future__ import annotations

from pydantic import BaseModel, Field

from servicekit.schemas import FromRow


class Area(BaseModel):
    code: str
    name: str


class ForceOut(FromRow):
    id: str
    name: str
    areas: list[Area]
    bar_months: int | None = Field(description="Bar after not engaging; null bars for ever.")
    engagement_window_days: int
    suggested_outcome_code: int
