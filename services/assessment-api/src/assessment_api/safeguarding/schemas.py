"""Safeguarding referral requests and responses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assessment_api.safeguarding.models import SafeguardingStatus
from contracts.vocabulary import SafeguardingCategory
from servicekit.paging import Page
from servicekit.schemas import FromRow
from servicekit.types import Flag, MultilineText, Text


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SafeguardingReferralIn(Strict):
    category: SafeguardingCategory
    concern: MultilineText = Field(
        min_length=10, max_length=4000, description="What was disclosed or observed."
    )
    referred_to: Text = Field(
        min_length=2,
        max_length=200,
        description="The agency the concern went to (for example the local MASH).",
    )
    urgent: Flag = False


class SafeguardingUpdateIn(Strict):
    note: MultilineText = Field(
        min_length=2,
        max_length=4000,
        description="The follow-up: who was contacted and what happens next. Closing needs one.",
    )
    status: SafeguardingStatus | None = Field(
        default=None, description="closed to close the referral with this note."
    )


class FollowUpOut(FromRow):
    id: uuid.UUID
    note: str
    closing: bool
    at: datetime
    by: str


class SafeguardingReferralOut(FromRow):
    id: uuid.UUID
    case_id: uuid.UUID
    force_id: str
    category: SafeguardingCategory
    concern: str
    referred_to: str
    urgent: bool
    status: SafeguardingStatus
    needs_follow_up: bool
    raised_at: datetime
    raised_by: str
    closed_at: datetime | None
    follow_ups: list[FollowUpOut]


class SafeguardingListItem(FromRow):
    """A referral on the follow-up list (no free text: open it by id for the detail)."""

    id: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    force_id: str
    category: SafeguardingCategory
    urgent: bool
    status: SafeguardingStatus
    needs_follow_up: bool
    raised_at: datetime


class SafeguardingPage(Page[SafeguardingListItem]):
    """One page of safeguarding referrals."""


def example_safeguarding_referral() -> dict[str, Any]:
    return {
        "category": "exploitation",
        "concern": "Says an older man gives them cannabis to hold and asks them to deliver "
        "packages across the city; worried about refusing.",
        "referred_to": "Demo City Council multi-agency safeguarding hub (MASH)",
        "urgent": True,
    }


def example_follow_up() -> dict[str, Any]:
    return {
        "note": "MASH confirmed receipt; the exploitation team will visit this week.",
    }


def example_closing() -> dict[str, Any]:
    return {
        "note": "Allocated to the exploitation team and safety plan agreed; no further action.",
        "status": "closed",
    }
