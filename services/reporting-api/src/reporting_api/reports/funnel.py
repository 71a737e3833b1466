"""The funnel: how far referrals got, and how they ended; whole or by a breakdown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from reporting_api.reports.dimensions import GROUPERS, Breakdown, ordered_groups
from reporting_api.reports.inputs import ReportInputs
from reporting_api.reports.journeys import Journey
from reporting_api.reports.measures import STAGE_LABELS, STAGES, compliance, stage_counts
from reporting_api.reports.suppression import Suppressor
from reporting_api.reports.tables import Cell, Column, Report, Table

FUNNEL_NOTE = (
    "A stage counts every referral that reached it or a later one (an assessed referral was "
    "contacted). Completed, did not engage and withdrawn are how referrals ended; the rest are "
    "still open."
)
TOTAL = "All"


def funnel_table(journeys: Sequence[Journey], suppressor: Suppressor) -> Table:
    counts = stage_counts(journeys)
    referred = suppressor.count(counts["referred"])
    rows: list[dict[str, Cell]] = []
    for stage in STAGES:
        count = suppressor.count(counts[stage])
        rows.append(
            {
                "stage": STAGE_LABELS[stage],
                "count": count,
                "percent_of_referred": suppressor.percent(count, referred),
            }
        )
    return Table(
        id="funnel",
        title="The funnel",
        columns=[
            Column(key="stage", label="Stage", kind="category"),
            Column(key="count", label="Referrals", kind="count"),
            Column(key="percent_of_referred", label="Of those referred (%)", kind="percent"),
        ],
        rows=rows,
        notes=[FUNNEL_NOTE],
    )


def funnel_by(journeys: Sequence[Journey], by: Breakdown, suppressor: Suppressor) -> Table:
    """One row per group and a total row; each stage's groups suppressed as a set summing to
    the stage's total."""
    groups: dict[str, list[Journey]] = defaultdict(list)
    for journey in journeys:
        groups[GROUPERS[by](journey)].append(journey)
    order = ordered_groups(by, set(groups))
    counts = {group: stage_counts(groups[group]) for group in order}
    kept = {group: compliance(groups[group]) for group in order}
    totals = stage_counts(journeys)
    columns: dict[str, dict[str, Cell]] = {}
    total_row: dict[str, Cell] = {"group": TOTAL}
    for stage in STAGES:
        shown, total = suppressor.additive({g: counts[g][stage] for g in order}, totals[stage])
        columns[stage] = dict(shown)
        total_row[stage] = total
    # the compliance denominators (not withdrawn) are a set too
    numerators, total_assessed = suppressor.additive({g: kept[g][0] for g in order})
    denominators, total_kept = suppressor.additive({g: kept[g][1] for g in order})
    rows: list[dict[str, Cell]] = []
    for group in order:
        row: dict[str, Cell] = {"group": group}
        row.update({stage: columns[stage][group] for stage in STAGES})
        row["compliance_percent"] = suppressor.percent(numerators[group], denominators[group])
        rows.append(row)
    total_row["compliance_percent"] = suppressor.percent(total_assessed, total_kept)
    rows.append(total_row)
    return Table(
        id="funnel",
        title=f"The funnel by {by.value.replace('_', ' ')}",
        columns=[
            Column(key="group", label=by.value.replace("_", " ").capitalize(), kind="category"),
            *(Column(key=stage, label=STAGE_LABELS[stage], kind="count") for stage in STAGES),
            Column(
                key="compliance_percent",
                label="Complied with at least the assessment (%)",
                kind="percent",
            ),
        ],
        rows=rows,
        notes=[
            FUNNEL_NOTE,
            "Within each stage, the groups sum to the total: when one group's count is hidden, "
            "the next smallest is hidden too, so it cannot be worked out.",
        ],
    )


def funnel_report(inputs: ReportInputs) -> Report:
    query, suppressor = inputs.query, inputs.suppressor
    table = (
        funnel_by(inputs.journeys, query.by, suppressor)
        if query.by is not None
        else funnel_table(inputs.journeys, suppressor)
    )
    return Report(
        report="funnel",
        force=query.force,
        period=query.period,
        by=query.by.value if query.by else None,
        suppression_threshold=suppressor.threshold,
        tables=[table],
    )
