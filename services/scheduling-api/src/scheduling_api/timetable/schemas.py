"""Session and attendance requests and responses. Times are shown in Europe/London."""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.vocabulary import Pathway
from scheduling_api.seed import DEMO_FORCE, course_id
from scheduling_api.sessions.delivery import check_delivery, https_link, language_tag
from scheduling_api.sessions.models import DeliveryMode
from scheduling_api.times import LondonTime
from servicekit.paging import Page
from servicekit.schemas import FromRow
from servicekit.types import Count, Flag, IsoDateTime


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    course_type_id: uuid.UUID = Field(description="The course (GET /v1/course-types).")
    starts_at: IsoDateTime = Field(
        description="When it starts, with its offset: Europe/London time, e.g. "
        "2026-12-07T18:30:00+00:00 in winter, +01:00 in summer."
    )
    duration_minutes: Count | None = Field(
        default=None, ge=15, le=480, description="Its length; the course's when absent."
    )
    facilitator_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="The facilitator's subject (their sign-in id); the caller when absent "
        "(facilitators). Administrators must give it.",
    )
    capacity: Count = Field(ge=1, le=200, description="Seats.")
    delivery_mode: DeliveryMode = Field(default=DeliveryMode.online)
    join_link: str | None = Field(
        default=None, max_length=500, description="Online sessions: the https link to join."
    )
    venue: str | None = Field(
        default=None, min_length=1, max_length=300, description="Venue sessions: where."
    )
    language: str | None = Field(
        default=None,
        max_length=35,
        description="BCP 47 tag when the session is run in one language (then only people "
        "who speak it are booked onto it); absent: anyone.",
    )
    interpreter_available: Flag = Field(
        default=False, description="An interpreter joins, so people who need one may be booked."
    )

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return language_tag(value)

    @field_validator("join_link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        return https_link(value)

    @model_validator(mode="after")
    def _delivery(self) -> Self:
        check_delivery(self.delivery_mode, self.join_link, self.venue)
        return self


class SessionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capacity: Count = Field(ge=1, le=200, description="Seats; not fewer than are booked.")


class SessionOut(FromRow):
    id: uuid.UUID
    course_type_id: uuid.UUID
    pathway: Pathway
    starts_at: LondonTime = Field(description="Europe/London time, with its offset.")
    duration_minutes: int
    facilitator_id: str
    capacity: int
    booked: int = Field(description="Seats taken.")
    free: int = Field(description="Seats left.")
    delivery_mode: DeliveryMode
    join_link: str | None
    venue: str | None
    language: str | None
    interpreter_available: bool

    @classmethod
    def of_session(cls, row: Any) -> SessionOut:
        return cls.of(row, free=row.capacity - row.booked)


class SessionPage(Page[SessionOut]):
    """Sessions, earliest first."""


class UnmarkedSessionOut(SessionOut):
    ends_at: LondonTime = Field(description="When it ended: Europe/London time, with its offset.")
    unmarked: int = Field(description="Bookings on it not yet marked attended or missed.")

    @classmethod
    def of_unmarked(cls, row: Any, unmarked: int) -> UnmarkedSessionOut:
        ends_at = row.starts_at + timedelta(minutes=row.duration_minutes)
        return cls.of(row, free=row.capacity - row.booked, ends_at=ends_at, unmarked=unmarked)


class UnmarkedSessionPage(Page[UnmarkedSessionOut]):
    """Sessions over with bookings still to mark, oldest first."""


class Outcome(StrEnum):
    attended = "attended"
    missed = "missed"


class AttendanceMark(BaseModel):
    model_config = ConfigDict(extra="forbid")

    booking_id: uuid.UUID
    outcome: Outcome


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    marks: list[AttendanceMark] = Field(
        min_length=1, max_length=200, description="Who attended and who did not."
    )

    @field_validator("marks")
    @classmethod
    def _once_each(cls, value: list[AttendanceMark]) -> list[AttendanceMark]:
        ids = [m.booking_id for m in value]
        if len(ids) != len(set(ids)):
            raise ValueError("name each booking once")
        return value


class AttendanceResult(BaseModel):
    booking_id: uuid.UUID
    outcome: Outcome
    next_booking_id: uuid.UUID | None = Field(
        default=None, description="Missed: the next session offered, if the deadline allowed."
    )


class AttendanceOut(BaseModel):
    session_id: uuid.UUID
    results: list[AttendanceResult]


def example_session() -> dict[str, Any]:
    return {
        "course_type_id": str(course_id(DEMO_FORCE, Pathway.cannabis_group)),
        "starts_at": "2099-06-02T18:30:00+01:00",
        "capacity": 12,
        "delivery_mode": "online",
        "join_link": "https://meet.example.org/demo-cannabis-group-extra",
    }


def example_attendance() -> dict[str, Any]:
    return {
        "marks": [
            {"booking_id": "0b6e2f9c-4d1a-4c6e-9f51-2a7d3c8e1b04", "outcome": "attended"},
        ]
    }
