"""Reminder responses, for administrators."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from scheduling_api.reminders.models import Channel, ReminderKind, ReminderStatus
from servicekit.paging import Page
from servicekit.schemas import FromRow


class RecordedMessageOut(BaseModel):
    """The message as it would have been sent (recorded: no provider is configured)."""

    recipient: str = Field(description="The phone number or email address it was for.")
    text: str
    recorded_at: datetime


class ReminderOut(FromRow):
    id: uuid.UUID
    referral_id: uuid.UUID
    booking_id: uuid.UUID
    session_id: uuid.UUID
    kind: ReminderKind = Field(
        description="`booked` (at booking), `day_before` (24 h before the start), "
        "`hour_before` (1 h before)."
    )
    channel: Channel
    due_at: datetime
    status: ReminderStatus
    attempts: int = Field(description="Attempts to send it so far.")
    next_attempt_at: datetime | None = Field(
        description="When it is tried next (pending only); later than `due_at` after a "
        "temporary failure."
    )
    last_error: str | None = Field(description="Why the last attempt failed.")
    sent_at: datetime | None
    message: RecordedMessageOut | None = Field(
        description="The recorded message, where the deployment records instead of sending "
        "(reading it is written to the access log)."
    )


class ReminderPage(Page[ReminderOut]):
    """Reminders, latest due first."""
