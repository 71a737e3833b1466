"""Booking responses."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from contracts.vocabulary import Pathway
from scheduling_api.bookings.models import BookingStatus
from scheduling_api.times import LondonTime
from servicekit.paging import Page
from servicekit.schemas import FromRow


class BookingOut(FromRow):
    id: uuid.UUID
    referral_id: uuid.UUID
    session_id: uuid.UUID
    status: BookingStatus
    rebook_count: int = Field(description="How often a worker moved this person before.")
    booked_at: datetime
    pathway: Pathway = Field(description="The session's course.")
    session_starts_at: LondonTime = Field(description="Europe/London time, with its offset.")


class BookingPage(Page[BookingOut]):
    """Bookings, newest first."""
