"""Support referral requests and responses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.vocabulary import NeedDomain
from servicekit.schemas import FromRow
from servicekit.types import Flag, MultilineText, Text


class SupportReferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    service_id: Text = Field(
        min_length=1, max_length=100, description="A service from GET /v1/services."
    )
    need_domain: NeedDomain = Field(description="The need the referral is for.")
    person_agreed: Flag = Field(
        description="The person agreed to be referred to the service: always true (without "
        "agreement, signpost them instead).",
        json_schema_extra={"const": True},
    )
    note: MultilineText | None = Field(
        default=None, max_length=1000, description="What was agreed (kept here only)."
    )

    @field_validator("person_agreed")
    @classmethod
    def _agreed(cls, value: bool) -> bool:
        if not value:
            raise ValueError("the person must agree to a referral; signpost them instead")
        return value


class SupportReferralOut(FromRow):
    id: uuid.UUID
    case_id: uuid.UUID
    service_id: str
    service_name: str
    need_domain: NeedDomain = Field(validation_alias="need")
    note: str | None
    referred_at: datetime
    referred_by: str


def example_support_referral() -> dict[str, Any]:
    return {
        "service_id": "demo-housing-advice",
        "need_domain": "housing",
        "person_agreed": True,
        "note": "Rent arrears; agreed the housing trust will call them this week.",
    }
