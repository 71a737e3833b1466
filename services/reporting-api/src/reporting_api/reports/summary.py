"""The summary: volumes over time, the funnel, compliance, re-referral and officer time saved."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from reporting_api.reports.dimensions import london_day, period_of, periods
from reporting_api.reports.funnel import funnel_table
from reporting_api.reports.inputs import ReportInputs
from reporting_api.reports.measures import compliance, hours_saved, rereferrals
from reporting_api.reports.tables import Column, Report, Table


def summary_report(inputs: ReportInputs, history: Sequence[tuple[str, datetime]]) -> Report:
    query, journeys, suppressor = inputs.query, inputs.journeys, inputs.suppressor
    referrals = len(journeys)
    withdrawn = sum(1 for j in journeys if j.outcome == "withdrawn")
    assessed, kept = compliance(journeys)
    again = rereferrals(journeys, history)
    hours = hours_saved(journeys, inputs.rules.minutes_per_arrest)

    shown_referrals = suppressor.count(referrals)
    shown_kept = suppressor.count(kept)
    shown_assessed = suppressor.count(assessed)
    shown_again = suppressor.count(again)
    overview = Table(
        id="overview",
        title="The period at a glance",
        columns=[
            Column(key="referrals", label="Referrals", kind="count"),
            Column(key="withdrawn", label="Withdrawn", kind="count"),
            Column(key="at_least_assessed", label="Assessed at least", kind="count"),
            Column(
                key="compliance_percent",
                label="Complied with at least the assessment (%)",
                kind="percent",
            ),
            Column(key="rereferrals", label="Re-referrals within 12 months", kind="count"),
            Column(key="rereferral_percent", label="Re-referral rate (%)", kind="percent"),
            Column(key="hours_saved", label="Officer hours saved", kind="hours"),
        ],
        rows=[
            {
                "referrals": shown_referrals,
                "withdrawn": suppressor.count(withdrawn),
                "at_least_assessed": shown_assessed,
                "compliance_percent": suppressor.percent(shown_assessed, shown_kept),
                "rereferrals": shown_again,
                "rereferral_percent": suppressor.percent(shown_again, shown_referrals),
                "hours_saved": suppressor.derived(hours, shown_kept),
            }
        ],
        notes=[
            "Compliance: referrals assessed (or further), of the referrals not withdrawn. "
            "Referrals from the last weeks of a period may not have reached the assessment yet.",
            "Re-referral: a referral of a person referred before in the previous 12 months "
            "(365 days), whether or not that earlier referral was in the period.",
            f"Officer hours saved: referrals not withdrawn times "
            f"{inputs.rules.minutes_per_arrest / 60:g} hours per arrest avoided "
            "(the force's figure).",
        ],
    )
    by_period = Counter(period_of(london_day(j.submitted_at), query.interval) for j in journeys)
    counts = {
        period: by_period.get(period, 0)
        for period in periods(query.start, query.end, query.interval)
    }
    shown, _ = suppressor.additive(counts, referrals)
    volumes = Table(
        id="volumes",
        title=f"Referrals by {query.interval}",
        columns=[
            Column(key="period", label=query.interval.capitalize(), kind="category"),
            Column(key="referrals", label="Referrals", kind="count"),
        ],
        rows=[{"period": period, "referrals": shown[period]} for period in counts],
        notes=["Weeks are ISO weeks; days, weeks, months and years are Europe/London's."],
    )
    return Report(
        report="summary",
        force=query.force,
        period=query.period,
        interval=query.interval,
        suppression_threshold=suppressor.threshold,
        tables=[overview, volumes, funnel_table(journeys, suppressor)],
    )
