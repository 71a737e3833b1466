"""The capacity planner: how far demand outruns a course's seats, and the sessions that would
bring the wait back under the force's target. Pure arithmetic on figures the route reads, so
every number can be worked out by hand (`tests/capacity/test_planner.py`).

The scheme's hardest lesson was demand far beyond what was projected. The planner answers one
question: how many more sessions must start before the target date for everyone waiting, and
everyone the recent weekly demand says will come by then, to have a seat?

    needed   = waiting + mean weekly demand x target days / 7
               - free seats in sessions starting before now + target
    proposed = ceil(max(0, needed) / usual capacity)

The mean weekly demand is that of the last eight complete weeks (Monday to Sunday in London):
the people allocated to the course by their assessment. The usual capacity is the median
capacity of the course's sessions in the next four weeks (the lower middle of an even count, so
it is a size the course really runs), else 12 for a group and 1 for a one-to-one. Counts of
seats and of people a week are not about any one person, so nothing here is suppressed.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from scheduling_api.times import LONDON

HORIZON = timedelta(weeks=4)
WEEKS = 8
DEFAULT_GROUP_CAPACITY = 12
ONE_TO_ONE_CAPACITY = 1
# A course with no sessions to copy is proposed on weekday evenings, when most groups run.
DEFAULT_WEEKDAYS = frozenset(range(5))
DEFAULT_START = time(18, 30)


@dataclass(frozen=True)
class Week:
    """People allocated to the course by assessments in the week starting that Monday."""

    week_starting: date
    people: int


@dataclass(frozen=True)
class Seats:
    """One future session of the course: when it starts, its seats, and how many are taken."""

    starts_at: datetime
    capacity: int
    booked: int


@dataclass(frozen=True)
class Plan:
    """One course's figures, as `GET /v1/capacity` shows them."""

    target_days: int
    target_date: datetime
    waiting: int
    wait_days: float | None
    over_target: bool
    seats_booked: int
    seats_free: int
    weekly_demand: list[Week]
    mean_weekly_demand: float
    expected_demand: float
    free_seats_before_target: int
    seats_needed: float
    usual_capacity: int
    proposed_sessions: int
    suggested_starts: list[datetime]


def _monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), LONDON).astimezone(UTC)


def complete_weeks(now: datetime) -> list[date]:
    """The Mondays of the eight complete weeks before the one `now` falls in, oldest first."""
    this_week = _monday_of(now.astimezone(LONDON).date())
    return [this_week - timedelta(weeks=WEEKS - n) for n in range(WEEKS)]


def demand_since(now: datetime) -> datetime:
    """The start of the first of the eight weeks (for the query that reads the assessments)."""
    return _london_midnight(complete_weeks(now)[0])


def weekly_demand(assessed: Iterable[datetime], *, now: datetime) -> list[Week]:
    """Count assessment times into the eight complete weeks before `now`'s (London Mondays,
    so a week holding a clock change is 167 or 169 hours long, as people live it)."""
    mondays = complete_weeks(now)
    start, end = _london_midnight(mondays[0]), _london_midnight(mondays[-1] + timedelta(weeks=1))
    counts = Counter(
        _monday_of(at.astimezone(LONDON).date()) for at in assessed if start <= at < end
    )
    return [Week(week_starting=m, people=counts[m]) for m in mondays]


def _days(at: datetime, since: datetime) -> float:
    return round((at - since).total_seconds() / 86400, 1)


def _at_london(day: date, start: time) -> datetime:
    # through UTC and back: a time the clocks skip (01:30 on the spring Sunday) moves on an hour
    return datetime.combine(day, start, LONDON).astimezone(UTC)


def usual_capacity(sessions: Sequence[Seats], *, one_to_one: bool) -> int:
    """The median capacity of the sessions (lower middle), else the default for the course."""
    if one_to_one:
        return ONE_TO_ONE_CAPACITY
    if not sessions:
        return DEFAULT_GROUP_CAPACITY
    return int(statistics.median_low(s.capacity for s in sessions))


def suggested_starts(
    count: int, sessions: Sequence[Seats], *, now: datetime, until: datetime
) -> list[datetime]:
    """`count` start times before `until`, on the weekdays the course runs, at its most usual
    London start time (else weekday evenings), spread from the first such day on.

    With n days for k sessions, session i goes on day floor(i x n / k): the first on the
    earliest day (the backlog is served soonest), the rest evenly after it, several on one day
    when more sessions are needed than there are days.
    """
    if count <= 0:
        return []
    if sessions:
        local = [s.starts_at.astimezone(LONDON) for s in sessions]
        weekdays = frozenset(at.weekday() for at in local)
        times = Counter(at.time().replace(tzinfo=None) for at in local)
        start = min(times, key=lambda t: (-times[t], t))
    else:
        weekdays, start = DEFAULT_WEEKDAYS, DEFAULT_START
    first, last = now.astimezone(LONDON).date() + timedelta(days=1), until.astimezone(LONDON).date()
    every_day = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    candidates = [
        at
        for at in (_at_london(d, start) for d in every_day if d.weekday() in weekdays)
        if now < at < until
    ]
    if not candidates:  # the course's weekdays do not fall before the target: any day will do
        candidates = [at for at in (_at_london(d, start) for d in every_day) if now < at < until]
    if not candidates:
        return []
    return [candidates[i * len(candidates) // count] for i in range(count)]


def plan(
    *,
    now: datetime,
    target_days: int,
    waiting: int,
    demand: list[Week],
    sessions: Sequence[Seats],
    next_free_seat_at: datetime | None,
    one_to_one: bool,
) -> Plan:
    """The course's figures and proposal; `sessions` are those starting from `now`, at least up
    to the later of the horizon and the target date."""
    target_date = now + timedelta(days=target_days)
    horizon = [s for s in sessions if now <= s.starts_at < now + HORIZON]
    before_target = [s for s in sessions if now <= s.starts_at < target_date]
    mean = Fraction(sum(w.people for w in demand), len(demand) or 1)
    expected = mean * Fraction(target_days, 7)
    free_before = sum(s.capacity - s.booked for s in before_target)
    needed = waiting + expected - free_before
    capacity = usual_capacity(horizon, one_to_one=one_to_one)
    proposed = math.ceil(max(Fraction(0), needed) / capacity)
    return Plan(
        target_days=target_days,
        target_date=target_date,
        waiting=waiting,
        wait_days=_days(next_free_seat_at, now) if next_free_seat_at else None,
        over_target=next_free_seat_at is None or next_free_seat_at > target_date,
        seats_booked=sum(s.booked for s in horizon),
        seats_free=sum(s.capacity - s.booked for s in horizon),
        weekly_demand=demand,
        mean_weekly_demand=round(float(mean), 2),
        expected_demand=round(float(expected), 2),
        free_seats_before_target=free_before,
        seats_needed=round(float(needed), 2),
        usual_capacity=capacity,
        proposed_sessions=proposed,
        suggested_starts=suggested_starts(proposed, horizon, now=now, until=target_date),
    )
