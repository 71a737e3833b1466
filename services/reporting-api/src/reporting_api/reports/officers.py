"""Officer and area variation in referrals, naming no officer: how many officers made how many
referrals, and each area's referrals against its recorded possession offences."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from reporting_api.forces.uploads import Uploads
from reporting_api.reports.dimensions import london_day
from reporting_api.reports.disproportionality import whole_months
from reporting_api.reports.inputs import ReportInputs
from reporting_api.reports.journeys import Journey
from reporting_api.reports.measures import percentile
from reporting_api.reports.suppression import Suppressor
from reporting_api.reports.tables import Cell, Column, Report, Table

# (lowest, highest or None for no limit, label)
BANDS = ((1, 1, "1"), (2, 5, "2-5"), (6, 10, "6-10"), (11, 20, "11-20"), (21, None, "21+"))
ALL_OFFICERS = "All officers"


def band_of(referrals: int) -> str:
    for lowest, highest, label in BANDS:
        if referrals >= lowest and (highest is None or referrals <= highest):
            return label
    raise ValueError(referrals)


def officers_table(journeys: Sequence[Journey], suppressor: Suppressor) -> Table:
    per_officer = Counter(j.officer_key for j in journeys)
    bands = Counter(band_of(n) for n in per_officer.values())
    shown, shown_total = suppressor.additive(
        {label: bands.get(label, 0) for _, _, label in BANDS}, len(per_officer)
    )
    made = [float(n) for n in per_officer.values()]
    median, p90 = percentile(made, 0.5), percentile(made, 0.9)
    rows: list[dict[str, Cell]] = [
        {"referrals_made": label, "officers": shown[label], "median": None, "p90": None}
        for _, _, label in BANDS
    ]
    rows.append(
        {
            "referrals_made": ALL_OFFICERS,
            "officers": shown_total,
            "median": Suppressor.derived(None if median is None else round(median, 1), shown_total),
            "p90": Suppressor.derived(None if p90 is None else round(p90, 1), shown_total),
        }
    )
    return Table(
        id="officers",
        title="Officers by how many referrals each made",
        columns=[
            Column(key="referrals_made", label="Referrals made in the period", kind="category"),
            Column(key="officers", label="Officers", kind="count"),
            Column(key="median", label="Median referrals per officer", kind="ratio"),
            Column(key="p90", label="90th percentile referrals per officer", kind="ratio"),
        ],
        rows=rows,
        notes=[
            "Officers who made at least one referral in the period, by how many they made; no "
            "officer is named. The median and 90th percentile are of referrals per referring "
            "officer (linear interpolation between closest ranks).",
            "The bands are a set summing to all officers: when one band's count is hidden, the "
            "next smallest is hidden too.",
        ],
    )


def areas_table(
    journeys: Sequence[Journey],
    offences: Mapping[tuple[str, str, str], int] | None,
    months: Sequence[str],
    suppressor: Suppressor,
) -> Table:
    by_area: dict[str, list[Journey]] = defaultdict(list)
    for journey in journeys:
        by_area[journey.area].append(journey)
    recorded: Counter[str] = Counter()
    if offences is not None:
        for (month, area, _group), count in offences.items():
            if month in months:
                recorded[area] += count
    names = sorted(set(by_area) | set(recorded))
    shown, _ = suppressor.additive({area: len(by_area[area]) for area in names}, len(journeys))
    rows: list[dict[str, Cell]] = []
    for area in names:
        in_months = sum(
            1 for j in by_area[area] if london_day(j.submitted_at).strftime("%Y-%m") in months
        )
        row: dict[str, Cell] = {
            "area": area,
            "referrals": shown[area],
            "officers": suppressor.count(len({j.officer_key for j in by_area[area]})),
            "possession_offences": None,
            "percent_diverted": None,
        }
        if offences is not None and months:
            shown_offences = suppressor.count(recorded[area])
            shown_in_months = suppressor.count(in_months)
            row["possession_offences"] = shown_offences
            row["percent_diverted"] = Suppressor.derived(
                round(100 * in_months / recorded[area], 1) if recorded[area] else None,
                shown[area],
                shown_in_months,
                shown_offences,
            )
        rows.append(row)
    notes = [
        "Referrals made in each area in the period, and how many officers made them (an officer "
        "may refer in several areas). The areas are a set summing to all referrals.",
    ]
    if offences is None:
        notes.append(
            "No recorded possession offences uploaded (PUT /v1/forces/{force}/"
            "possession-offences): offences and percent diverted are left blank."
        )
    elif not months:
        notes.append(
            "The period holds no whole calendar month: offences and percent diverted are left "
            "blank, as recorded offences are uploaded by month."
        )
    else:
        notes.append(
            f"Recorded possession offences (the force's upload) over the whole calendar months "
            f"of the period ({months[0]} to {months[-1]}); percent diverted is the referrals in "
            "those months as a share of them. Referrals are recorded as possession offences "
            "too, so the share cannot pass 100 unless the records differ."
        )
    return Table(
        id="areas",
        title="Referrals and recorded possession offences by area",
        columns=[
            Column(key="area", label="Area", kind="category"),
            Column(key="referrals", label="Referrals", kind="count"),
            Column(key="officers", label="Officers referring", kind="count"),
            Column(key="possession_offences", label="Recorded possession offences", kind="count"),
            Column(key="percent_diverted", label="Diverted (%)", kind="percent"),
        ],
        rows=rows,
        notes=notes,
    )


def officers_report(inputs: ReportInputs, uploads: Uploads) -> Report:
    query, suppressor = inputs.query, inputs.suppressor
    months = whole_months(query.start, query.end)
    return Report(
        report="officers",
        force=query.force,
        period=query.period,
        suppression_threshold=suppressor.threshold,
        tables=[
            officers_table(inputs.journeys, suppressor),
            areas_table(inputs.journeys, uploads.offences, months, suppressor),
        ],
    )
