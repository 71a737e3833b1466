"""What a reminder says: the personalisation a provider's template fills, and the same words
rendered here for the messages recorded when no provider is configured.

Dates and times are in Europe/London, as people read them ("Tuesday 8 December 2026", "6:30pm").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from contracts.events.v1 import ReminderContact
from scheduling_api.reminders.models import Channel, ReminderKind
from scheduling_api.times import in_london


@dataclass(frozen=True)
class Where:
    """Where the session happens: a join link for an online session, else its venue."""

    join_link: str | None
    venue: str | None

    def text(self) -> str:
        if self.join_link:
            return f"Join online: {self.join_link}"
        return f"Venue: {self.venue or 'your provider will tell you'}"


@dataclass(frozen=True)
class Message:
    """One reminder to one person. `reference` is the reminder id: the provider keeps it, so a
    message whose sending was interrupted can be found again instead of sent twice."""

    reference: uuid.UUID
    force_id: str
    kind: ReminderKind
    channel: Channel
    recipient: str
    personalisation: dict[str, str]
    text: str


def day_of(moment: datetime) -> str:
    local = in_london(moment)
    return f"{local:%A} {local.day} {local:%B %Y}"


def time_of(moment: datetime) -> str:
    local = in_london(moment)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


OPENING = {
    ReminderKind.booked: "you are booked on {course_name} on {date} at {time}.",
    ReminderKind.day_before: "a reminder: {course_name} is tomorrow, {date}, at {time}.",
    ReminderKind.hour_before: "a reminder: {course_name} starts in an hour, at {time} today.",
}


def compose(
    *,
    reference: uuid.UUID,
    force_id: str,
    kind: ReminderKind,
    channel: Channel,
    contact: ReminderContact,
    course_name: str,
    starts_at: datetime,
    where: Where,
) -> Message:
    recipient = contact.phone if channel is Channel.sms else contact.email
    assert recipient, "a reminder's channel is chosen from the contact it has"
    personalisation = {
        "given_name": contact.given_name,
        "course_name": course_name,
        "date": day_of(starts_at),
        "time": time_of(starts_at),
        "where": where.text(),
    }
    text = (
        f"Hello {contact.given_name}, "
        + OPENING[kind].format(**personalisation)
        + f" {personalisation['where']}"
    )
    return Message(
        reference=reference,
        force_id=force_id,
        kind=kind,
        channel=channel,
        recipient=recipient,
        personalisation=personalisation,
        text=text,
    )
