"""Timeliness: days from the referral to first contact, to the assessment and to completion.

Each measure counts the referrals of the period whose step has been recorded (its cases) and
gives the median and 90th percentile of their days (linear interpolation, `measures.percentile`),
to one decimal. Days are elapsed time, fractions included. A median or percentile of hidden
cases is `[c]`; of no cases, null.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime

from reporting_api.reports.dimensions import (
    GROUPERS,
    Breakdown,
    london_day,
    ordered_groups,
    period_of,
    periods,
)
from reporting_api.reports.inputs import ReportInputs
from reporting_api.reports.journeys import Journey
from reporting_api.reports.measures import elapsed_days, one_decimal, percentile
from reporting_api.reports.suppression import Suppressor
from reporting_api.reports.tables import Cell, Column, Report, Table

TOTAL = "All"
# each measure, and the time of the step it runs to (None: not recorded yet, or never reached)
MEASURES: dict[str, Callable[[Journey], datetime | None]] = {
    "Referral to first contact": lambda j: j.contacted_at,
    "Referral to assessment": lambda j: j.assessed_at,
    "Referral to completion": lambda j: j.completed_at,
}
NOTES = [
    "Days from the referral's submission to the step, as elapsed time (12 hours is 0.5 days), "
    "for the referrals of the period whose step has been recorded: referrals from the last "
    "weeks of a period may not have reached it yet.",
    "Median: half the cases took less. 90th percentile: nine in ten took less (linear "
    "interpolation between the closest cases).",
]
SECONDARY_NOTE = (
    "Within each measure, the {what} sum to the total: when one's cases are hidden, the next "
    "smallest is hidden too, so it cannot be worked out; days of hidden cases are [c]."
)


def durations(journeys: Sequence[Journey], measure: str) -> list[float]:
    """Days to the measure's step, for the journeys that have it. A step timed before the
    referral (the services' clocks disagreeing by a little) took no time, not negative time."""
    step = MEASURES[measure]
    return [
        max(0.0, elapsed_days(journey.submitted_at, at))
        for journey in journeys
        if (at := step(journey)) is not None
    ]


def _figures(days: Sequence[float], cases: Cell, *fractions: float) -> list[Cell]:
    return [Suppressor.derived(one_decimal(percentile(days, f)), cases) for f in fractions]


def _measure_columns() -> list[Column]:
    return [
        Column(key="measure", label="Measure", kind="category"),
        Column(key="cases", label="Cases", kind="count"),
        Column(key="median_days", label="Median (days)", kind="days"),
        Column(key="p90_days", label="90th percentile (days)", kind="days"),
    ]


def timeliness_table(journeys: Sequence[Journey], suppressor: Suppressor) -> Table:
    rows: list[dict[str, Cell]] = []
    for measure in MEASURES:
        days = durations(journeys, measure)
        cases = suppressor.count(len(days))
        median, p90 = _figures(days, cases, 0.5, 0.9)
        rows.append({"measure": measure, "cases": cases, "median_days": median, "p90_days": p90})
    return Table(
        id="timeliness",
        title="Days from referral to each step",
        columns=_measure_columns(),
        rows=rows,
        notes=NOTES,
    )


def timeliness_by(journeys: Sequence[Journey], by: Breakdown, suppressor: Suppressor) -> Table:
    """Each group's rows, then the total's; each measure's groups an additive set."""
    groups: dict[str, list[Journey]] = defaultdict(list)
    for journey in journeys:
        groups[GROUPERS[by](journey)].append(journey)
    order = ordered_groups(by, set(groups))
    days = {(g, m): durations(groups[g], m) for g in order for m in MEASURES}
    cells: dict[tuple[str, str], Cell] = {}
    for measure in MEASURES:
        everyone = durations(journeys, measure)
        shown, total = suppressor.additive({g: len(days[g, measure]) for g in order}, len(everyone))
        cells.update({(g, measure): shown[g] for g in order})
        cells[TOTAL, measure] = total
        days[TOTAL, measure] = everyone
    rows: list[dict[str, Cell]] = []
    for group in [*order, TOTAL]:
        for measure in MEASURES:
            cases = cells[group, measure]
            median, p90 = _figures(days[group, measure], cases, 0.5, 0.9)
            rows.append(
                {
                    "group": group,
                    "measure": measure,
                    "cases": cases,
                    "median_days": median,
                    "p90_days": p90,
                }
            )
    label = by.value.replace("_", " ")
    return Table(
        id="timeliness",
        title=f"Days from referral to each step by {label}",
        columns=[
            Column(key="group", label=label.capitalize(), kind="category"),
            *_measure_columns(),
        ],
        rows=rows,
        notes=[*NOTES, SECONDARY_NOTE.format(what="groups")],
    )


def timeliness_by_period(inputs: ReportInputs) -> Table:
    """Each period of the range (those with no referrals too), by the month, week or year the
    referrals were made in; each measure's periods an additive set."""
    query, suppressor = inputs.query, inputs.suppressor
    referred: dict[str, list[Journey]] = {
        period: [] for period in periods(query.start, query.end, query.interval)
    }
    for journey in inputs.journeys:
        referred[period_of(london_day(journey.submitted_at), query.interval)].append(journey)
    days = {(p, m): durations(referred[p], m) for p in referred for m in MEASURES}
    cells: dict[tuple[str, str], Cell] = {}
    for measure in MEASURES:
        shown, _ = suppressor.additive(
            {p: len(days[p, measure]) for p in referred},
            len(durations(inputs.journeys, measure)),
        )
        cells.update({(p, measure): shown[p] for p in referred})
    rows: list[dict[str, Cell]] = []
    for period in referred:
        for measure in MEASURES:
            cases = cells[period, measure]
            (median,) = _figures(days[period, measure], cases, 0.5)
            rows.append(
                {"period": period, "measure": measure, "cases": cases, "median_days": median}
            )
    return Table(
        id="timeliness_by_period",
        title=f"Median days by the {query.interval} of referral",
        columns=[
            Column(key="period", label=query.interval.capitalize(), kind="category"),
            *_measure_columns()[:3],
        ],
        rows=rows,
        notes=[
            *NOTES,
            "Weeks are ISO weeks; days, weeks, months and years are Europe/London's.",
            SECONDARY_NOTE.format(what="periods"),
        ],
    )


def timeliness_report(inputs: ReportInputs) -> Report:
    query, suppressor = inputs.query, inputs.suppressor
    table = (
        timeliness_by(inputs.journeys, query.by, suppressor)
        if query.by is not None
        else timeliness_table(inputs.journeys, suppressor)
    )
    return Report(
        report="timeliness",
        force=query.force,
        period=query.period,
        interval=query.interval,
        by=query.by.value if query.by else None,
        suppression_threshold=suppressor.threshold,
        tables=[table, timeliness_by_period(inputs)],
    )
