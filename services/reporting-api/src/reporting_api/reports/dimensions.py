"""The breakdowns a report can be cut by, and the periods it is counted in (Europe/London)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from reporting_api.reports.journeys import Journey

LONDON = ZoneInfo("Europe/London")


class Interval(StrEnum):
    week = "week"
    month = "month"
    year = "year"


class Breakdown(StrEnum):
    area = "area"
    substance = "substance"
    age_band = "age_band"
    gender = "gender"
    self_defined_ethnicity = "self_defined_ethnicity"
    observed_ethnicity = "observed_ethnicity"
    encounter_origin = "encounter_origin"


# The 2021 census's five high-level ethnic groups, from the 19 self-defined codes. Reports use
# the groups: the 19 codes would leave most cells suppressed, and populations are published
# for both.
ETHNIC_GROUPS = ("White", "Mixed", "Asian", "Black", "Other")
NOT_STATED = "Not stated"
SELF_DEFINED_GROUP = {
    **dict.fromkeys(("W1", "W2", "W3", "W9"), "White"),
    **dict.fromkeys(("M1", "M2", "M3", "M9"), "Mixed"),
    **dict.fromkeys(("A1", "A2", "A3", "A4", "A9"), "Asian"),
    **dict.fromkeys(("B1", "B2", "B9"), "Black"),
    **dict.fromkeys(("O2", "O9"), "Other"),
    "NS": NOT_STATED,
}
# The officer-observed IC codes, by what they say
OBSERVED_LABEL = {
    "IC1": "IC1 White (North European)",
    "IC2": "IC2 White (South European)",
    "IC3": "IC3 Black",
    "IC4": "IC4 Asian",
    "IC5": "IC5 Chinese, Japanese or South East Asian",
    "IC6": "IC6 Arabic or North African",
    "IC9": "IC9 Unknown",
}
# ...and the census group each is compared with for rates against the population (IC5 is the
# census's Asian: Chinese; IC6 its Other: Arab; IC9 is not known)
OBSERVED_GROUP = {
    "IC1": "White",
    "IC2": "White",
    "IC3": "Black",
    "IC4": "Asian",
    "IC5": "Asian",
    "IC6": "Other",
    "IC9": NOT_STATED,
}
AGE_BANDS = (
    (0, "Under 18"),
    (18, "18-24"),
    (25, "25-34"),
    (35, "35-44"),
    (45, "45-54"),
    (55, "55+"),
)


def age_band(age: int) -> str:
    band = AGE_BANDS[0][1]
    for lowest, name in AGE_BANDS:
        if age >= lowest:
            band = name
    return band


GROUPERS: dict[Breakdown, Callable[[Journey], str]] = {
    Breakdown.area: lambda j: j.area,
    Breakdown.substance: lambda j: j.main_substance,
    Breakdown.age_band: lambda j: age_band(j.age_years),
    Breakdown.gender: lambda j: j.gender,
    Breakdown.self_defined_ethnicity: lambda j: SELF_DEFINED_GROUP.get(
        j.self_defined_ethnicity, NOT_STATED
    ),
    Breakdown.observed_ethnicity: lambda j: OBSERVED_LABEL.get(
        j.observed_ethnicity, j.observed_ethnicity
    ),
    Breakdown.encounter_origin: lambda j: j.encounter_origin,
}
# groups shown in a fixed order where the breakdown has one (else alphabetical)
ORDERS: dict[Breakdown, tuple[str, ...]] = {
    Breakdown.age_band: tuple(name for _, name in AGE_BANDS),
    Breakdown.self_defined_ethnicity: (*ETHNIC_GROUPS, NOT_STATED),
    Breakdown.observed_ethnicity: tuple(OBSERVED_LABEL.values()),
}


def ordered_groups(breakdown: Breakdown, present: set[str]) -> list[str]:
    """The groups to show: a fixed order's groups present, then any others alphabetically."""
    fixed = [group for group in ORDERS.get(breakdown, ()) if group in present]
    return fixed + sorted(present - set(fixed))


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def day_start(day: date) -> datetime:
    """The first instant of a London day, as an aware datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=LONDON)


def period_of(day: date, interval: Interval) -> str:
    match interval:
        case Interval.week:
            year, week, _ = day.isocalendar()
            return f"{year}-W{week:02d}"
        case Interval.month:
            return f"{day.year}-{day.month:02d}"
        case Interval.year:
            return str(day.year)


def periods(start: date, end: date, interval: Interval) -> Iterator[str]:
    """Every period touching [start, end], in order, each once."""
    seen: set[str] = set()
    day = start
    while day <= end:
        period = period_of(day, interval)
        if period not in seen:
            seen.add(period)
            yield period
        day += timedelta(days=1)
