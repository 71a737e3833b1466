"""Disproportionality by ethnic group: referral rates against the force's population, each
funnel stage's share, and formal outcomes for possession before and after the scheme; each
against the White group, with a 95% confidence interval.

Relative rates and their intervals are the log method for a ratio of two proportions (Katz et
al. 1978): RR = (a/n1) / (b/n2), SE(ln RR) = sqrt(1/a - 1/n1 + 1/b - 1/n2),
CI = exp(ln RR -/+ 1.96 SE). With no events in a group (a = 0) the ratio is 0 and has no
interval; with none in the White group (b = 0) there is no ratio at all.
"""

from __future__ import annotations

import math
from calendar import monthrange
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from reporting_api.forces.uploads import NOT_RECORDED, Uploads
from reporting_api.reports.dimensions import (
    ETHNIC_GROUPS,
    NOT_STATED,
    OBSERVED_GROUP,
    SELF_DEFINED_GROUP,
    london_day,
)
from reporting_api.reports.inputs import ReportInputs
from reporting_api.reports.journeys import Journey
from reporting_api.reports.measures import STAGE_LABELS
from reporting_api.reports.suppression import Suppressor, is_suppressed
from reporting_api.reports.tables import Cell, Column, Report, Table

Z95 = 1.96  # the standard normal's 97.5th percentile, as the method is usually given
REFERENCE = "White"
ALL = "All"
YEAR_DAYS = 365.25
DISPROPORTIONALITY_STAGES = (
    "contacted",
    "assessed",
    "booked",
    "attended",
    "completed",
    "not_engaged",
)
KATZ_NOTE = (
    "Relative rate: a group's rate divided by the White group's. 95% confidence interval by the "
    "log method for a ratio of two proportions (Katz): SE(ln RR) = sqrt(1/a - 1/n1 + 1/b - "
    "1/n2), CI = exp(ln RR +/- 1.96 SE), where a of n1 is the group's and b of n2 the White "
    "group's. An interval that does not include 1 is a difference unlikely to be chance alone."
)
ZERO_NOTE = (
    "A group with none (a = 0) has a relative rate of 0 and no interval; when the White group "
    "has none, no relative rate can be given."
)


class Coding(StrEnum):
    self_defined = "self_defined"
    observed = "observed"


@dataclass(frozen=True)
class Ratio:
    rr: float | None
    low: float | None
    high: float | None


def katz(a: int, n1: int, b: int, n2: int) -> Ratio:
    """(a/n1) / (b/n2) with its 95% interval by the log method. No ratio when either
    denominator or b is 0; a ratio of 0 with no interval when a is 0."""
    if n1 <= 0 or n2 <= 0 or b <= 0:
        return Ratio(None, None, None)
    rr = (a / n1) / (b / n2)
    if a <= 0:
        return Ratio(0.0, None, None)
    se = math.sqrt(max(1 / a - 1 / n1 + 1 / b - 1 / n2, 0.0))
    return Ratio(rr, math.exp(math.log(rr) - Z95 * se), math.exp(math.log(rr) + Z95 * se))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _ratio_cells(ratio: Ratio, *inputs: Cell) -> dict[str, Cell]:
    """The relative rate and interval as cells: `[c]` when an input is hidden."""
    return {
        "relative_rate": Suppressor.derived(_round(ratio.rr, 3), *inputs),
        "ci_low": Suppressor.derived(_round(ratio.low, 3), *inputs),
        "ci_high": Suppressor.derived(_round(ratio.high, 3), *inputs),
    }


def group_of(journey: Journey, coding: Coding) -> str:
    if coding is Coding.observed:
        return OBSERVED_GROUP.get(journey.observed_ethnicity, NOT_STATED)
    return SELF_DEFINED_GROUP.get(journey.self_defined_ethnicity, NOT_STATED)


def whole_months(start: date, end: date) -> list[str]:
    """The calendar months (YYYY-MM) that lie wholly within [start, end]."""
    months: list[str] = []
    year, month = start.year, start.month
    if start.day != 1:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    while True:
        last = date(year, month, monthrange(year, month)[1])
        if last > end:
            return months
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def months_days(months: Sequence[str]) -> int:
    return sum(monthrange(int(m[:4]), int(m[5:]))[1] for m in months)


GROUP_ROWS = (*ETHNIC_GROUPS, NOT_STATED)


def _group_column(coding: Coding) -> Column:
    label = "Ethnic group (officer-observed)" if coding is Coding.observed else "Ethnic group"
    return Column(key="ethnic_group", label=label, kind="category")


RATIO_COLUMNS = [
    Column(key="relative_rate", label="Relative rate (against White)", kind="ratio"),
    Column(key="ci_low", label="95% CI low", kind="ratio"),
    Column(key="ci_high", label="95% CI high", kind="ratio"),
]


def rates_table(
    referrals: Mapping[str, int],
    shown: Mapping[str, Cell],
    shown_total: Cell,
    residents: Mapping[str, int] | None,
    coding: Coding,
    days: int,
) -> Table:
    columns = [
        _group_column(coding),
        Column(key="residents", label="Residents", kind="count"),
        Column(key="referrals", label="Referrals", kind="count"),
        Column(key="rate_per_1000", label="Referrals per 1,000 residents", kind="rate"),
        *RATIO_COLUMNS,
    ]
    title = "Referrals per 1,000 residents, by ethnic group"
    if residents is None:
        return Table(
            id="rates",
            title=title,
            columns=columns,
            rows=[],
            notes=[
                "No population uploaded: an administrator uploads the force's residents by "
                "ethnic group (PUT /v1/forces/{force}/population) before rates can be given."
            ],
        )
    rows: list[dict[str, Cell]] = []
    white, white_residents = referrals[REFERENCE], residents[REFERENCE]
    for group in GROUP_ROWS:
        row: dict[str, Cell] = {"ethnic_group": group, "referrals": shown[group]}
        if group == NOT_STATED:
            row.update(residents=None, rate_per_1000=None, relative_rate=None)
            row.update(ci_low=None, ci_high=None)
        else:
            people = residents[group]
            rate = 1000 * referrals[group] / people if people else None
            row["residents"] = people
            row["rate_per_1000"] = Suppressor.derived(_round(rate, 3), shown[group])
            if group == REFERENCE:
                row.update(relative_rate=1.0 if white and white_residents else None)
                row.update(ci_low=None, ci_high=None)
            else:
                ratio = katz(referrals[group], people, white, white_residents)
                row.update(_ratio_cells(ratio, shown[group], shown[REFERENCE]))
        rows.append(row)
    everyone = sum(residents.values())
    total = sum(referrals.values())
    rows.append(
        {
            "ethnic_group": ALL,
            "residents": everyone,
            "referrals": shown_total,
            "rate_per_1000": Suppressor.derived(
                _round(1000 * total / everyone if everyone else None, 3), shown_total
            ),
            "relative_rate": None,
            "ci_low": None,
            "ci_high": None,
        }
    )
    return Table(
        id="rates",
        title=title,
        columns=columns,
        rows=rows,
        notes=[
            f"Referrals in the period ({days} days) per 1,000 of the group's residents (the "
            "force's uploaded population, census 2021 groups); not annualised.",
            _coding_note(coding),
            KATZ_NOTE + " Here n1 and n2 are the groups' residents.",
            ZERO_NOTE,
            "Residents are published census figures and are never suppressed; a rate or ratio "
            "built on a hidden referral count is shown as [c].",
        ],
    )


def _coding_note(coding: Coding) -> str:
    if coding is Coding.observed:
        return (
            "Groups by the officer-observed code: IC1 and IC2 as White, IC3 Black, IC4 and IC5 "
            "Asian, IC6 Other; there is no observed code for Mixed; IC9 (unknown) is 'Not "
            "stated', counted but given no rate."
        )
    return (
        "Groups by the person's self-defined ethnicity (census 2021 codes to the five "
        "groups); 'Not stated' is counted but given no rate, having no population."
    )


def stages_table(
    groups: Mapping[str, Sequence[Journey]],
    shown_referred: Mapping[str, Cell],
    suppressor: Suppressor,
    coding: Coding,
) -> Table:
    referred = {group: len(groups[group]) for group in GROUP_ROWS}
    rows: list[dict[str, Cell]] = []
    for stage in DISPROPORTIONALITY_STAGES:
        counts = {g: sum(1 for j in groups[g] if j.reached(stage)) for g in GROUP_ROWS}
        shown, _ = suppressor.additive(counts)
        for group in GROUP_ROWS:
            row: dict[str, Cell] = {
                "stage": STAGE_LABELS[stage],
                "ethnic_group": group,
                "count": shown[group],
                "percent_of_referred": suppressor.percent(shown[group], shown_referred[group]),
            }
            if group == REFERENCE:
                has = counts[group] > 0
                row.update(relative_rate=1.0 if has else None, ci_low=None, ci_high=None)
            else:
                ratio = katz(counts[group], referred[group], counts[REFERENCE], referred[REFERENCE])
                row.update(
                    _ratio_cells(
                        ratio,
                        shown[group],
                        shown_referred[group],
                        shown[REFERENCE],
                        shown_referred[REFERENCE],
                    )
                )
            rows.append(row)
    return Table(
        id="stages",
        title="Each funnel stage's share of the group's referrals",
        columns=[
            Column(key="stage", label="Stage", kind="category"),
            _group_column(coding),
            Column(key="count", label="Referrals", kind="count"),
            Column(key="percent_of_referred", label="Of the group's referred (%)", kind="percent"),
            *RATIO_COLUMNS,
        ],
        rows=rows,
        notes=[
            "A stage counts the group's referrals that reached it or a later one; did not "
            "engage is how a referral ended. The share is of the group's referrals.",
            _coding_note(coding),
            KATZ_NOTE + " Here a and b are the referrals at the stage, n1 and n2 the groups' "
            "referrals; a relative rate above 1 means the group reached the stage more often "
            "than White people.",
            ZERO_NOTE,
            "Within each stage, the groups are a set: when one group's count is hidden, the "
            "next smallest is hidden too.",
        ],
    )


BEFORE_AFTER_COLUMNS = [
    Column(key="period", label="Period", kind="category"),
    Column(key="ethnic_group", label="Ethnic group", kind="category"),
    Column(key="from", label="From", kind="category"),
    Column(key="to", label="To", kind="category"),
    Column(key="possession_offences", label="Recorded possession offences", kind="count"),
    Column(key="diverted", label="Referred to the scheme", kind="count"),
    Column(key="formal_outcomes", label="Formal outcomes", kind="count"),
    Column(key="share_percent", label="Formal outcomes of offences (%)", kind="percent"),
    Column(key="share_relative_rate", label="Share: relative rate (against White)", kind="ratio"),
    Column(key="share_ci_low", label="Share: 95% CI low", kind="ratio"),
    Column(key="share_ci_high", label="Share: 95% CI high", kind="ratio"),
    Column(key="per_1000_year", label="Formal outcomes per 1,000 residents a year", kind="rate"),
    Column(
        key="per_1000_relative_rate", label="Per 1,000: relative rate (against White)", kind="ratio"
    ),
    Column(key="per_1000_ci_low", label="Per 1,000: 95% CI low", kind="ratio"),
    Column(key="per_1000_ci_high", label="Per 1,000: 95% CI high", kind="ratio"),
]
BEFORE_AFTER_TITLE = "Formal outcomes for possession, before and after the scheme"


def _period_rows(
    label: str,
    span: tuple[date, date],
    offences: Mapping[str, int],
    formal: Mapping[str, int],
    diverted: Mapping[str, Cell] | None,
    residents: Mapping[str, int],
    suppressor: Suppressor,
    hidden_formal: set[str],
) -> list[dict[str, Cell]]:
    """One row per census group for one period. `hidden_formal`: groups whose formal outcomes
    are derived from a hidden count (shown as [c], as is every figure built on them)."""
    years = ((span[1] - span[0]).days + 1) / YEAR_DAYS
    shown_offences, _ = suppressor.additive({g: offences[g] for g in ETHNIC_GROUPS})
    shown_formal_counts, _ = suppressor.additive({g: formal[g] for g in ETHNIC_GROUPS})
    shown_formal: dict[str, Cell] = {
        g: "[c]" if g in hidden_formal else shown_formal_counts[g] for g in ETHNIC_GROUPS
    }
    rows: list[dict[str, Cell]] = []
    for group in ETHNIC_GROUPS:
        a, n1 = formal[group], offences[group]
        b, n2 = formal[REFERENCE], offences[REFERENCE]
        share = 100 * a / n1 if n1 else None
        people = residents[group]
        per_1000 = 1000 * a / people / years if people else None
        share_inputs = (
            shown_formal[group],
            shown_offences[group],
            shown_formal[REFERENCE],
            shown_offences[REFERENCE],
        )
        rate_inputs = (shown_formal[group], shown_formal[REFERENCE])
        row: dict[str, Cell] = {
            "period": label,
            "ethnic_group": group,
            "from": span[0].isoformat(),
            "to": span[1].isoformat(),
            "possession_offences": shown_offences[group],
            "diverted": None if diverted is None else diverted[group],
            "formal_outcomes": shown_formal[group],
            "share_percent": Suppressor.derived(
                _round(share, 1), shown_formal[group], shown_offences[group]
            ),
            "per_1000_year": Suppressor.derived(_round(per_1000, 3), shown_formal[group]),
        }
        if group == REFERENCE:
            row.update(
                share_relative_rate=1.0 if a and n1 else None,
                per_1000_relative_rate=1.0 if a and people else None,
                share_ci_low=None,
                share_ci_high=None,
                per_1000_ci_low=None,
                per_1000_ci_high=None,
            )
        else:
            for prefix, ratio, inputs in (
                ("share_", katz(a, n1, b, n2), share_inputs),
                ("per_1000_", katz(a, people, b, residents[REFERENCE]), rate_inputs),
            ):
                cells = _ratio_cells(ratio, *inputs)
                row[prefix + "relative_rate"] = cells["relative_rate"]
                row[prefix + "ci_low"] = cells["ci_low"]
                row[prefix + "ci_high"] = cells["ci_high"]
        rows.append(row)
    return rows


def before_after_table(
    journeys: Sequence[Journey],
    uploads: Uploads,
    start: date,
    end: date,
    suppressor: Suppressor,
    coding: Coding,
) -> Table:
    missing = [
        name
        for name, held in (
            ("population (PUT /v1/forces/{force}/population)", uploads.residents),
            ("baseline (PUT /v1/forces/{force}/baseline)", uploads.baseline),
            (
                "recorded possession offences (PUT /v1/forces/{force}/possession-offences)",
                uploads.offences,
            ),
        )
        if held is None
    ]
    if missing or uploads.residents is None or uploads.baseline is None or uploads.offences is None:
        return Table(
            id="before_after",
            title=BEFORE_AFTER_TITLE,
            columns=BEFORE_AFTER_COLUMNS,
            rows=[],
            notes=[
                "Not uploaded: "
                + "; ".join(missing)
                + ". An administrator uploads them before formal outcomes can be compared."
            ],
        )
    months = whole_months(start, end)
    after_offences = Counter[str]()
    not_recorded = 0
    for (month, _area, group), count in uploads.offences.items():
        if month in months:
            if group == NOT_RECORDED:
                not_recorded += count
            else:
                after_offences[group] += count
    if not months or not sum(after_offences.values()) + not_recorded:
        return Table(
            id="before_after",
            title=BEFORE_AFTER_TITLE,
            columns=BEFORE_AFTER_COLUMNS,
            rows=[],
            notes=[
                "No recorded possession offences uploaded for a whole calendar month of the "
                "period: upload them, or ask for a period of whole months they cover."
            ],
        )
    after_span = (date.fromisoformat(months[0] + "-01"), _month_end(months[-1]))
    diverted_counts = Counter(
        group_of(j, coding)
        for j in journeys
        if j.outcome != "withdrawn" and after_span[0] <= london_day(j.submitted_at) <= after_span[1]
    )
    shown_diverted, _ = suppressor.additive({g: diverted_counts[g] for g in ETHNIC_GROUPS})
    not_diverted = {g: max(after_offences[g] - diverted_counts[g], 0) for g in ETHNIC_GROUPS}
    # offences less referrals would give a hidden referral count away: [c], as is all built on it
    hidden = {g for g in ETHNIC_GROUPS if is_suppressed(shown_diverted[g])}
    baseline = uploads.baseline
    before_span = uploads.baseline_period or after_span
    rows = _period_rows(
        "Before",
        before_span,
        {g: baseline[g][0] for g in ETHNIC_GROUPS},
        {g: baseline[g][1] for g in ETHNIC_GROUPS},
        None,
        uploads.residents,
        suppressor,
        set(),
    )
    rows += _period_rows(
        "After",
        after_span,
        {g: after_offences[g] for g in ETHNIC_GROUPS},
        not_diverted,
        shown_diverted,
        uploads.residents,
        suppressor,
        hidden,
    )
    notes = [
        "Before: the force's uploaded baseline, charges plus cautions for possession, as a "
        "share of its recorded possession offences and per 1,000 residents a year, over the "
        f"baseline period ({before_span[0]} to {before_span[1]}).",
        "After: over the whole calendar months of the report period "
        f"({after_span[0]} to {after_span[1]}), the force's recorded possession offences "
        "(uploaded) less the referrals to the scheme (withdrawn ones excepted) in those months: "
        "the offences not diverted. It is an upper bound on formal outcomes (some of those "
        "offences ended in no further action or a community resolution), so the after figures "
        "can only overstate formal outcomes; a group with more referrals than offences counts 0.",
        "Per 1,000 residents a year: divided by the period's days / 365.25.",
        _coding_note(coding)
        + " Recorded offences carry the ethnic group the force recorded, which may not be the "
        "same coding.",
        KATZ_NOTE + " For the share, n1 and n2 are the groups' recorded possession offences; "
        "per 1,000, the groups' residents.",
        ZERO_NOTE,
    ]
    if not_recorded:
        notes.append(
            f"{suppressor.count(not_recorded)} offences in the months after had no ethnic "
            "group recorded and are in no group's figures."
        )
    return Table(
        id="before_after",
        title=BEFORE_AFTER_TITLE,
        columns=BEFORE_AFTER_COLUMNS,
        rows=rows,
        notes=notes,
    )


def _month_end(month: str) -> date:
    year, number = int(month[:4]), int(month[5:])
    return date(year, number, monthrange(year, number)[1])


def disproportionality_report(inputs: ReportInputs, uploads: Uploads, coding: Coding) -> Report:
    query, suppressor = inputs.query, inputs.suppressor
    groups: dict[str, list[Journey]] = {group: [] for group in GROUP_ROWS}
    for journey in inputs.journeys:
        groups[group_of(journey, coding)].append(journey)
    referrals = {group: len(groups[group]) for group in GROUP_ROWS}
    shown, shown_total = suppressor.additive(referrals, len(inputs.journeys))
    days = (query.end - query.start).days + 1
    return Report(
        report="disproportionality",
        force=query.force,
        period=query.period,
        by=coding.value,
        suppression_threshold=suppressor.threshold,
        tables=[
            rates_table(referrals, shown, shown_total, uploads.residents, coding, days),
            stages_table(groups, shown, suppressor, coding),
            before_after_table(
                inputs.journeys, uploads, query.start, query.end, suppressor, coding
            ),
        ],
    )
