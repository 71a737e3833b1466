"""The outcome of a closed referral as force systems receive it: in the feed and in webhooks.
No personal data: the referral's id and reference, which the officer noted on the crime record,
are how a force system finds its record."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from contracts.vocabulary import ReferralOutcome
from servicekit.schemas import FromRow

WEBHOOK_TYPE = "referral.closed"


class OutcomeOut(FromRow):
    referral_id: uuid.UUID
    reference: str = Field(description="The referral's reference, as noted on the crime record.")
    force: str = Field(validation_alias="force_id")
    outcome: ReferralOutcome
    closed_at: datetime
    suggested_outcome_code: int | None = Field(
        description="The Home Office outcome suggested for the crime record (8: community "
        "resolution, or 22: diversionary activity, as the force has chosen); null when "
        "the referral was withdrawn."
    )
    bar_expires_at: datetime | None = Field(
        description="When a person who did not engage may be offered diversion again."
    )
    barred_indefinitely: bool = Field(description="Did not engage, at a force that bars for ever.")


class OutcomeFeed(BaseModel):
    """One page of the outcome feed, oldest first."""

    items: list[OutcomeOut]
    next_cursor: str = Field(
        description="Opaque: pass it unchanged as `cursor` next time. Never null: when the page "
        "is empty it is the cursor you sent, so a client keeps following the feed for ever."
    )


def webhook_body(outcome: OutcomeOut) -> str:
    """The Standard Webhooks payload: `type`, `timestamp` (when the referral closed) and the
    outcome as the feed shows it."""
    data = outcome.model_dump(mode="json")
    return json.dumps(
        {"type": WEBHOOK_TYPE, "timestamp": data["closed_at"], "data": data},
        separators=(",", ":"),
    )
