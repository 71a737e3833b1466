"""Registering an officer a force system will act for."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from referral_api.officers.models import HowKnown
from referral_api.schemas import Strict
from servicekit.schemas import FromRow
from servicekit.types import Text


class OfficerIn(Strict):
    force: Text = Field(min_length=1, max_length=64, description="The officer's force.")
    officer_id: Text = Field(
        min_length=1,
        max_length=64,
        description="The officer's id at the force's identity provider (their token's `sub`): "
        "the id a force system names as `officer_id` when it refers for them.",
    )


class OfficerOut(FromRow):
    force: str = Field(validation_alias="force_id")
    officer_id: str
    known_by: HowKnown = Field(
        description="signed_in: from their own officer token; registered: by an administrator."
    )
    known_since: datetime
