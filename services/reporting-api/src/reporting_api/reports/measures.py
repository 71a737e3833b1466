"""The scheme's measures over a set of journeys: pure functions, each worked by hand in tests."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from reporting_api.reports.journeys import Journey

# The funnel's stages: how far referrals got, then how they ended
STAGES = (
    "referred",
    "contacted",
    "assessed",
    "booked",
    "attended",
    "completed",
    "not_engaged",
    "withdrawn",
)
STAGE_LABELS = {
    "referred": "Referred",
    "contacted": "Contacted",
    "assessed": "Assessed",
    "booked": "Booked",
    "attended": "Attended",
    "completed": "Completed",
    "not_engaged": "Did not engage",
    "withdrawn": "Withdrawn",
}
REREFERRAL_WINDOW = timedelta(days=365)


def stage_counts(journeys: Iterable[Journey]) -> dict[str, int]:
    counts = dict.fromkeys(STAGES, 0)
    for journey in journeys:
        for stage in STAGES:
            if journey.reached(stage):
                counts[stage] += 1
    return counts


def compliance(journeys: Sequence[Journey]) -> tuple[int, int]:
    """(at least assessed, referrals not withdrawn): the scheme's "complied with at least the
    assessment". A withdrawn referral was made in error and is in neither count."""
    kept = [j for j in journeys if j.outcome != "withdrawn"]
    return sum(1 for j in kept if j.reached("assessed")), len(kept)


def rereferrals(journeys: Sequence[Journey], history: Sequence[tuple[str, datetime]]) -> int:
    """Referrals of a person referred before within the previous 12 months (365 days), by the
    person key. `history`: (person key, submitted) of the force's referrals from 12 months
    before the first journey's period up to the end of it."""
    times: dict[str, list[datetime]] = defaultdict(list)
    for person, at in history:
        times[person].append(at)
    for earlier in times.values():
        earlier.sort()
    count = 0
    for journey in journeys:
        earlier = times.get(journey.person_key, [])
        index = bisect_left(earlier, journey.submitted_at)  # those strictly before
        if index and journey.submitted_at - earlier[index - 1] <= REREFERRAL_WINDOW:
            count += 1
    return count


def hours_saved(journeys: Sequence[Journey], minutes_per_arrest: int) -> float:
    """Officer time not spent on arrests: referrals (withdrawn ones excepted) times the force's
    figure, in hours."""
    kept = sum(1 for j in journeys if j.outcome != "withdrawn")
    return round(kept * minutes_per_arrest / 60, 2)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The `fraction` quantile by linear interpolation between closest ranks (the method of
    numpy's default and of Excel's PERCENTILE.INC); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def elapsed_days(start: datetime, end: datetime) -> float:
    """Days from `start` to `end`, fractions included (12 hours is 0.5)."""
    return (end - start) / timedelta(days=1)


def one_decimal(value: float | None) -> float | None:
    """A figure in days or hours as published: one decimal place."""
    return None if value is None else round(value, 1)
