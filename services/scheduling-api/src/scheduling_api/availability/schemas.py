"""Published availability: requests and responses. Times are Europe/London."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scheduling_api.seed import DEMO_FACILITATOR
from scheduling_api.sessions.delivery import check_delivery, https_link, language_tag
from scheduling_api.sessions.models import DeliveryMode
from scheduling_api.times import LondonTime
from servicekit.paging import Page
from servicekit.schemas import FromRow
from servicekit.types import Count, Flag, IsoDate

CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class AvailabilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    force_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The force the appointments are for: one of the caller's; may be left out "
        "when the caller's token names one force.",
    )
    facilitator_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="Who runs the appointments (their sign-in id): the caller when absent "
        "(facilitators publish their own availability). Administrators must give it.",
    )
    date: IsoDate = Field(description="The day, in Europe/London.")
    from_time: str = Field(
        json_schema_extra={"pattern": CLOCK},
        description="When the window opens, HH:MM in Europe/London.",
    )
    to_time: str = Field(
        json_schema_extra={"pattern": CLOCK},
        description="When it closes, HH:MM in Europe/London, later the same day. The last "
        "appointment ends by then; a remainder shorter than an appointment is left unused.",
    )
    appointment_minutes: Count | None = Field(
        default=None,
        ge=15,
        le=480,
        description="Each appointment's length; the one-to-one course's usual length when absent.",
    )
    delivery_mode: DeliveryMode = Field(default=DeliveryMode.online)
    join_link: str | None = Field(
        default=None, max_length=500, description="Online appointments: the https link to join."
    )
    venue: str | None = Field(
        default=None, min_length=1, max_length=300, description="Venue appointments: where."
    )
    language: str | None = Field(
        default=None,
        max_length=35,
        description="BCP 47 tag when the appointments are held in one language (then only "
        "people who speak it are booked onto them); absent: anyone.",
    )
    interpreter_available: Flag = Field(
        default=False, description="An interpreter joins, so people who need one may be booked."
    )

    @field_validator("from_time", "to_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not re.match(CLOCK, value):
            raise ValueError("enter a time as HH:MM on the 24-hour clock, like 09:30")
        return value

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

    @property
    def opens(self) -> time:
        return time.fromisoformat(self.from_time)

    @property
    def closes(self) -> time:
        return time.fromisoformat(self.to_time)


class AppointmentOut(BaseModel):
    session_id: uuid.UUID = Field(description="The appointment is a session (GET /v1/sessions).")
    starts_at: LondonTime = Field(description="Europe/London time, with its offset.")
    booked: bool


class AvailabilityOut(FromRow):
    id: uuid.UUID
    force_id: str
    course_type_id: uuid.UUID = Field(description="The force's one-to-one course.")
    facilitator_id: str
    starts_at: LondonTime = Field(description="The window opens: Europe/London, with its offset.")
    ends_at: LondonTime = Field(description="The window closes: Europe/London, with its offset.")
    appointment_minutes: int
    delivery_mode: DeliveryMode
    join_link: str | None
    venue: str | None
    language: str | None
    interpreter_available: bool
    created_at: datetime
    withdrawn_at: datetime | None = Field(
        description="When its unbooked appointments were withdrawn; null while offered."
    )
    appointments: list[AppointmentOut] = Field(
        description="Its appointments still offered or booked, earliest first."
    )
    booked: int = Field(description="Appointments booked.")
    free: int = Field(description="Appointments still free.")

    @classmethod
    def of_window(cls, window: Any, appointments: list[Any]) -> AvailabilityOut:
        booked = sum(1 for a in appointments if a.booked)
        return cls.of(
            window,
            appointments=[
                AppointmentOut(session_id=a.id, starts_at=a.starts_at, booked=a.booked > 0)
                for a in appointments
            ],
            booked=booked,
            free=sum(a.capacity - a.booked for a in appointments),
        )


class AvailabilityPage(Page[AvailabilityOut]):
    """Windows of availability, earliest first."""


class WithdrawalOut(BaseModel):
    availability: AvailabilityOut = Field(description="The window, with what stays booked.")
    withdrawn: int = Field(description="Unbooked appointments withdrawn.")
    kept_booked: int = Field(
        description="Booked appointments that stay: the people booked keep them; move them "
        "(POST /v1/bookings/{id}/rebooking) if the facilitator cannot run them."
    )


def example_availability() -> dict[str, Any]:
    return {
        "facilitator_id": DEMO_FACILITATOR,
        "date": date(2099, 6, 1).isoformat(),
        "from_time": "09:30",
        "to_time": "12:30",
        "appointment_minutes": 60,
        "delivery_mode": "online",
        "join_link": "https://meet.example.org/demo-one-to-one",
    }
