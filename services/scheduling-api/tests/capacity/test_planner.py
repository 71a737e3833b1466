"""The capacity planner's arithmetic, worked out by hand before the code.

Every case is seen from Wednesday 2 December 2026, noon in London (GMT, so 12:00 UTC), with the
force's target wait of 14 days: the target date is Wednesday 16 December, noon. The week of
2 December began on Monday 30 November, so the eight complete weeks before it start on the
Mondays 5 October ... 23 November (the week of 19 October holds the end of British Summer Time).

    needed   = waiting + mean weekly demand x 14/7 - free seats starting before 16 December noon
    proposed = ceil(max(0, needed) / usual capacity)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from scheduling_api.capacity.planner import (
    DEFAULT_GROUP_CAPACITY,
    Seats,
    Week,
    plan,
    weekly_demand,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
MONDAYS = [date(2026, 10, 5) + timedelta(weeks=n) for n in range(8)]


def weeks(*people: int) -> list[Week]:
    return [Week(week_starting=m, people=p) for m, p in zip(MONDAYS, people, strict=True)]


def tuesday(day: int, *, booked: int, capacity: int = 12) -> Seats:
    """A Tuesday 18:30 session in December (GMT: 18:30 UTC)."""
    return Seats(
        starts_at=datetime(2026, 12, day, 18, 30, tzinfo=UTC), capacity=capacity, booked=booked
    )


def at(day: int, hour: int = 18, minute: int = 30) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_the_eight_complete_weeks_start_on_mondays_in_london() -> None:
    assessed = [
        datetime(2026, 10, 4, 22, 59, tzinfo=UTC),  # Sunday 4 Oct 23:59 BST: before the weeks
        datetime(2026, 10, 4, 23, 0, tzinfo=UTC),  # Monday 5 Oct 00:00 BST: the first week
        datetime(2026, 10, 18, 23, 30, tzinfo=UTC),  # Monday 19 Oct 00:30 BST: its week
        datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # Sunday 25 Oct 23:30 GMT: still 19 Oct's
        datetime(2026, 10, 26, 0, 0, tzinfo=UTC),  # Monday 26 Oct 00:00 GMT: the next
        datetime(2026, 11, 29, 23, 59, tzinfo=UTC),  # Sunday 29 Nov: the last complete week
        datetime(2026, 11, 30, 0, 0, tzinfo=UTC),  # this week: not complete, not counted
    ]
    found = weekly_demand(assessed, now=NOW)
    assert [w.week_starting for w in found] == MONDAYS
    assert [w.people for w in found] == [1, 0, 2, 1, 0, 0, 0, 1]


def test_no_demand_and_room_proposes_nothing() -> None:
    # needed = 0 + 0 x 2 - 12 = -12; proposed = ceil(max(0, -12) / 12) = 0
    result = plan(
        now=NOW,
        target_days=14,
        waiting=0,
        demand=weeks(0, 0, 0, 0, 0, 0, 0, 0),
        sessions=[tuesday(8, booked=0)],
        next_free_seat_at=at(8),
        one_to_one=False,
    )
    assert result.mean_weekly_demand == 0
    assert result.free_seats_before_target == 12
    assert result.seats_needed == -12
    assert result.usual_capacity == 12
    assert result.proposed_sessions == 0
    assert result.suggested_starts == []
    assert result.wait_days == 6.3  # 6 days 6.5 hours
    assert result.over_target is False
    assert (result.seats_booked, result.seats_free) == (0, 12)


def test_a_backlog_with_every_seat_taken() -> None:
    # needed = 30 + 0 - 0 = 30; two 12-seat sessions: usual 12; proposed = ceil(30/12) = 3,
    # over the Tuesdays before the target (8 and 15 December): 3 spread over 2 -> 8, 8, 15
    result = plan(
        now=NOW,
        target_days=14,
        waiting=30,
        demand=weeks(0, 0, 0, 0, 0, 0, 0, 0),
        sessions=[tuesday(8, booked=12), tuesday(15, booked=12)],
        next_free_seat_at=None,
        one_to_one=False,
    )
    assert result.seats_needed == 30
    assert result.usual_capacity == 12
    assert result.proposed_sessions == 3
    assert result.suggested_starts == [at(8), at(8), at(15)]
    assert result.wait_days is None
    assert result.over_target is True
    assert (result.seats_booked, result.seats_free) == (24, 0)


def test_demand_above_capacity() -> None:
    # demand 10+12+14+16+10+12+14+16 = 104 over 8 weeks: 13 a week, 26 in 14 days; a 12-seat
    # session a week. Free before 16 Dec noon: 15 Dec has 7 (22 and 29 Dec are after it).
    # needed = 4 + 26 - 7 = 23; proposed = ceil(23/12) = 2, on 8 and 15 December.
    result = plan(
        now=NOW,
        target_days=14,
        waiting=4,
        demand=weeks(10, 12, 14, 16, 10, 12, 14, 16),
        sessions=[
            tuesday(8, booked=12),
            tuesday(15, booked=5),
            tuesday(22, booked=0),
            tuesday(29, booked=0),
        ],
        next_free_seat_at=at(15),
        one_to_one=False,
    )
    assert result.mean_weekly_demand == 13
    assert result.expected_demand == 26
    assert result.free_seats_before_target == 7
    assert result.seats_needed == 23
    assert result.proposed_sessions == 2
    assert result.suggested_starts == [at(8), at(15)]
    # the next free seat is 13 days 6.5 hours away: under the target, yet more is needed
    assert result.wait_days == 13.3
    assert result.over_target is False
    assert (result.seats_booked, result.seats_free) == (17, 31)


def test_a_group_course_with_no_sessions_uses_the_defaults() -> None:
    # demand 2 in 8 weeks: 0.25 a week, 0.5 in 14 days; needed = 3 + 0.5 - 0 = 3.5;
    # no sessions: usual capacity 12 (a group's default); proposed = ceil(3.5/12) = 1, on the
    # first weekday evening after today (Thursday 3 December, 18:30)
    result = plan(
        now=NOW,
        target_days=14,
        waiting=3,
        demand=weeks(0, 0, 0, 0, 0, 0, 1, 1),
        sessions=[],
        next_free_seat_at=None,
        one_to_one=False,
    )
    assert result.mean_weekly_demand == 0.25
    assert result.seats_needed == 3.5
    assert result.usual_capacity == DEFAULT_GROUP_CAPACITY == 12
    assert result.proposed_sessions == 1
    assert result.suggested_starts == [at(3)]
    assert (result.seats_booked, result.seats_free) == (0, 0)


def test_one_to_ones_with_no_sessions_are_proposed_one_seat_each() -> None:
    # needed 3.5 as above, capacity 1: ceil(3.5) = 4 appointments over the nine weekday evenings
    # before the target (3, 4, 7, 8, 9, 10, 11, 14, 15 December): indices 0, 2, 4, 6
    result = plan(
        now=NOW,
        target_days=14,
        waiting=3,
        demand=weeks(0, 0, 0, 0, 0, 0, 1, 1),
        sessions=[],
        next_free_seat_at=None,
        one_to_one=True,
    )
    assert result.usual_capacity == 1
    assert result.proposed_sessions == 4
    assert result.suggested_starts == [at(3), at(7), at(9), at(11)]


def test_the_usual_capacity_is_the_median_session() -> None:
    # capacities 8, 12, 15 in the horizon: the median is 12; with 8 and 12 the lower middle, 8
    three = [tuesday(8, booked=8, capacity=8), tuesday(15, booked=12), tuesday(22, booked=0)]
    three[2] = Seats(starts_at=at(22), capacity=15, booked=0)
    result = plan(
        now=NOW,
        target_days=14,
        waiting=13,
        demand=weeks(0, 0, 0, 0, 0, 0, 0, 0),
        sessions=three,
        next_free_seat_at=at(22),
        one_to_one=False,
    )
    assert result.usual_capacity == 12
    assert result.proposed_sessions == 2  # ceil(13/12)
    two = plan(
        now=NOW,
        target_days=14,
        waiting=13,
        demand=weeks(0, 0, 0, 0, 0, 0, 0, 0),
        sessions=three[:2],
        next_free_seat_at=None,
        one_to_one=False,
    )
    assert two.usual_capacity == 8
    assert two.proposed_sessions == 2  # ceil(13/8)


def test_small_numbers_are_shown_as_they_are() -> None:
    # Seats and counts of people per week are not about any one person: nothing is suppressed
    result = plan(
        now=NOW,
        target_days=14,
        waiting=1,
        demand=weeks(1, 0, 2, 0, 0, 0, 0, 1),
        sessions=[],
        next_free_seat_at=None,
        one_to_one=False,
    )
    assert result.waiting == 1
    assert [w.people for w in result.weekly_demand] == [1, 0, 2, 0, 0, 0, 0, 1]
    assert result.mean_weekly_demand == 0.5


def test_a_longer_target_counts_seats_and_demand_up_to_it() -> None:
    # target 21 days (23 December noon): 15 Dec's 7 free seats and 22 Dec's 12 count: 19;
    # needed = 4 + 13 x 3 - 19 = 24; proposed = 2
    result = plan(
        now=NOW,
        target_days=21,
        waiting=4,
        demand=weeks(10, 12, 14, 16, 10, 12, 14, 16),
        sessions=[tuesday(15, booked=5), tuesday(22, booked=0)],
        next_free_seat_at=at(15),
        one_to_one=False,
    )
    assert result.free_seats_before_target == 19
    assert result.seats_needed == 24
    assert result.proposed_sessions == 2
    assert result.suggested_starts == [at(8), at(15)]
