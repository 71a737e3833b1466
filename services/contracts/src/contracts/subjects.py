"""JetStream streams and subject naming: the subject of an event is its CloudEvents `type`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stream:
    """A JetStream stream: one per producing service, capturing that service's subjects."""

    name: str
    subjects: tuple[str, ...]
    producer: str


STREAMS: tuple[Stream, ...] = (
    Stream("REFERRAL", ("referral.>",), "referral-api"),
    Stream(
        "ASSESSMENT", ("case.>", "assessment.>", "safeguarding.>", "support.>"), "assessment-api"
    ),
    Stream("SCHEDULING", ("session.>", "intervention.>"), "scheduling-api"),
)


def subject_matches(pattern: str, subject: str) -> bool:
    """Whether a NATS subject pattern captures `subject` (`*` one token, a final `>` 1 or more)."""
    wanted, given = pattern.split("."), subject.split(".")
    for index, part in enumerate(wanted):
        if part == ">":
            return len(given) > index
        if index >= len(given) or part not in ("*", given[index]):
            return False
    return len(wanted) == len(given)


def stream_for(subject: str) -> Stream:
    """The stream that captures `subject`."""
    for stream in STREAMS:
        if any(subject_matches(pattern, subject) for pattern in stream.subjects):
            return stream
    raise KeyError(f"no stream captures subject {subject!r}")


# Who consumes each event (besides its producer): the catalogue's "consumers" column, which the
# AsyncAPI document shows as receive operations. tests/events checks each service's consumers
# handle exactly these.
CONSUMERS: dict[str, tuple[str, ...]] = {
    "referral.submitted.v1": ("assessment-api", "reporting-api"),
    "referral.withdrawn.v1": ("assessment-api", "scheduling-api", "reporting-api"),
    "referral.closed.v1": ("reporting-api",),
    "case.contacted.v1": ("referral-api", "reporting-api"),
    "assessment.completed.v1": ("scheduling-api", "referral-api", "reporting-api"),
    "case.not_engaged.v1": ("referral-api", "reporting-api"),
    "safeguarding.raised.v1": ("reporting-api",),
    "support.referred.v1": ("reporting-api",),
    "session.booked.v1": ("referral-api", "reporting-api"),
    "session.attended.v1": ("reporting-api",),
    "session.missed.v1": ("reporting-api",),
    "intervention.completed.v1": ("referral-api", "reporting-api"),
    "intervention.not_engaged.v1": ("referral-api", "reporting-api"),
}
