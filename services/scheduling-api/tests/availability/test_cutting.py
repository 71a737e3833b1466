"""Cutting a window of availability into appointments, in London wall-clock time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from scheduling_api.availability.service import Refused, appointment_starts
from scheduling_api.times import in_london


def london(starts: list[datetime]) -> list[str]:
    return [in_london(at).isoformat() for at in starts]


def test_a_window_is_cut_into_whole_appointments() -> None:
    # 14:00 to 16:30 in winter (GMT): two hours of appointments, the last half hour unused
    start, end, starts = appointment_starts(date(2026, 12, 7), time(14), time(16, 30), 60)
    assert (start, end) == (
        datetime(2026, 12, 7, 14, tzinfo=UTC),
        datetime(2026, 12, 7, 16, 30, tzinfo=UTC),
    )
    assert london(starts) == ["2026-12-07T14:00:00+00:00", "2026-12-07T15:00:00+00:00"]


def test_summer_times_are_london_times() -> None:
    _, _, starts = appointment_starts(date(2026, 10, 24), time(9), time(10, 30), 45)
    assert starts == [
        datetime(2026, 10, 24, 8, tzinfo=UTC),
        datetime(2026, 10, 24, 8, 45, tzinfo=UTC),
    ]
    assert london(starts) == ["2026-10-24T09:00:00+01:00", "2026-10-24T09:45:00+01:00"]


def test_a_window_across_the_end_of_summer_time_holds_the_extra_hour() -> None:
    # Sunday 25 October 2026: at 02:00 BST the clocks go back to 01:00 GMT. From midnight to
    # 03:00 on the clock is four hours lived, and four hour-long appointments, 01:00 twice.
    start, end, starts = appointment_starts(date(2026, 10, 25), time(0), time(3), 60)
    assert (end - start).total_seconds() == 4 * 3600
    assert london(starts) == [
        "2026-10-25T00:00:00+01:00",
        "2026-10-25T01:00:00+01:00",
        "2026-10-25T01:00:00+00:00",
        "2026-10-25T02:00:00+00:00",
    ]


def test_the_same_clock_times_after_the_change_are_an_hour_later_in_utc() -> None:
    _, _, before = appointment_starts(date(2026, 10, 24), time(14), time(15), 60)
    _, _, after = appointment_starts(date(2026, 10, 25), time(14), time(15), 60)
    assert london(before) == ["2026-10-24T14:00:00+01:00"]
    assert london(after) == ["2026-10-25T14:00:00+00:00"]
    assert (before[0].hour, after[0].hour) == (13, 14)


@pytest.mark.parametrize(
    ("day", "opens", "closes", "minutes", "field", "message"),
    [
        (date(2026, 12, 7), time(12), time(12), 60, "to_time", "after from_time"),
        (date(2026, 12, 7), time(12), time(11), 60, "to_time", "after from_time"),
        (date(2026, 12, 7), time(12), time(12, 45), 60, "to_time", "shorter than one"),
        # Sunday 28 March 2027: the clocks go from 01:00 GMT to 02:00 BST
        (date(2027, 3, 28), time(1, 30), time(4), 60, "from_time", "does not exist"),
        (date(2027, 3, 28), time(0), time(1, 30), 30, "to_time", "does not exist"),
    ],
)
def test_a_window_that_cannot_be_cut_says_why(
    day: date, opens: time, closes: time, minutes: int, field: str, message: str
) -> None:
    with pytest.raises(Refused) as refused:
        appointment_starts(day, opens, closes, minutes)
    assert refused.value.field == field
    assert message in refused.value.message
