"""What every report is asked for: a force, a period, an interval and a breakdown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Query

from reporting_api.dependencies import NowDep, ReaderDep
from reporting_api.reports.dimensions import Breakdown, Interval, day_start, london_day
from reporting_api.reports.tables import Period
from servicekit.auth import Principal
from servicekit.problems import Problem

LONGEST_DAYS = 366 * 10 + 1  # ten years
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class ReportQuery:
    principal: Principal
    force: str
    start: date
    end: date
    interval: Interval
    by: Breakdown | None

    @property
    def since(self) -> datetime:
        return day_start(self.start)

    @property
    def until(self) -> datetime:
        return day_start(self.end + timedelta(days=1))

    @property
    def period(self) -> Period:
        return Period(start=self.start, end=self.end)


def _bad(detail: str, field: str) -> Problem:
    return Problem(
        422,
        "invalid-period",
        "The report cannot be made for that",
        detail,
        errors=[{"field": field, "message": detail}],
    )


def _year_before(day: date) -> date:
    """The same day a year earlier; 29 February's is the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


async def report_query(
    principal: ReaderDep,
    now: NowDep,
    force: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=r"^[a-z0-9][a-z0-9-]*$",
            description="The force; may be left out when the token is for one force.",
        ),
    ] = None,
    start: Annotated[
        date | None,
        Query(alias="from", description="First day (Europe/London); default a year before `to`."),
    ] = None,
    end: Annotated[
        date | None, Query(alias="to", description="Last day, included; default today.")
    ] = None,
    interval: Annotated[Interval, Query(description="How volumes are counted over time.")] = (
        Interval.month
    ),
    by: Annotated[Breakdown | None, Query(description="A breakdown of the figures.")] = None,
) -> ReportQuery:
    if force is None:
        if len(principal.forces) != 1:
            raise Problem(
                422,
                "force-needed",
                "Choose a force",
                "Your token covers several forces: name one with `force`.",
                errors=[{"field": "force", "message": "required for a token of several forces"}],
            )
        force = next(iter(principal.forces))
    elif not principal.can_see_force(force):
        raise Problem(
            403,
            "not-your-force",
            "Not your force",
            f"Your token does not cover the force {force!r}: ask for one of your own forces.",
        )
    end = end or london_day(now)
    if end < EARLIEST:
        raise _bad(f"`to` is before {EARLIEST.isoformat()}: the scheme has no data then.", "to")
    start = start or _year_before(end) + timedelta(days=1)
    if start > end:
        raise _bad("`from` is after `to`: give the first day, then the last.", "from")
    if start < EARLIEST:
        raise _bad(f"`from` is before {EARLIEST.isoformat()}: the scheme has no data then.", "from")
    if end > london_day(now) + timedelta(days=366):
        raise _bad("`to` is more than a year ahead: nothing can have happened then.", "to")
    if (end - start).days + 1 > LONGEST_DAYS:
        raise _bad("The period is longer than ten years: ask for a shorter one.", "from")
    return ReportQuery(principal, force, start, end, interval, by)


ReportQueryDep = Annotated[ReportQuery, Depends(report_query)]
