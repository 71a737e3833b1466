"""Needs and safeguarding: the needs assessments found, the safeguarding and support referrals
made, the pathways allocated (and overridden), the scores' bands and the flags.

"Assessed" is the referrals of the period with a completed assessment (its categories are what
these tables count). A person can have several needs, safeguarding categories or support
referrals: those counts stand alone (each suppressed by itself). Pathways, and the bands of one
instrument, sum to a total shown beside them: those are suppressed as a set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from contracts.vocabulary import (
    AuditBand,
    NeedDomain,
    NeedLevel,
    Pathway,
    PgsiBand,
    SafeguardingCategory,
    SdsBand,
)
from reporting_api.reports.inputs import ReportInputs
from reporting_api.reports.journeys import Journey
from reporting_api.reports.suppression import Suppressor
from reporting_api.reports.tables import Cell, Column, Report, Table

TOTAL = "All"
NEED_LABELS = {
    NeedDomain.mental_health: "Mental health",
    NeedDomain.physical_health: "Physical health",
    NeedDomain.domestic_abuse: "Domestic abuse",
    NeedDomain.housing: "Housing",
    NeedDomain.exploitation: "Exploitation",
    NeedDomain.safeguarding: "Safeguarding",
    NeedDomain.employment_education: "Employment and education",
    NeedDomain.debt_finances: "Debt and finances",
    NeedDomain.substance_use: "Substance use",
    NeedDomain.alcohol: "Alcohol",
    NeedDomain.gambling: "Gambling",
}
SAFEGUARDING_LABELS = {
    SafeguardingCategory.child_at_risk: "Child at risk",
    SafeguardingCategory.adult_at_risk: "Adult at risk",
    SafeguardingCategory.domestic_abuse: "Domestic abuse",
    SafeguardingCategory.exploitation: "Exploitation",
    SafeguardingCategory.self_harm: "Self-harm",
    SafeguardingCategory.other: "Other",
}
PATHWAY_LABELS = {
    Pathway.cannabis_group: "Cannabis group",
    Pathway.cocaine_group: "Cocaine group",
    Pathway.nitrous_oxide_group: "Nitrous oxide group",
    Pathway.general_group: "General group",
    Pathway.one_to_one: "One-to-one",
}
# each instrument, its bands in order from least to most concern, and a journey's band
INSTRUMENTS: dict[str, tuple[dict[str, str], Callable[[Journey], str | None]]] = {
    "AUDIT": (
        {
            AuditBand.auditc_negative: "AUDIT-C negative",
            AuditBand.lower_risk: "Lower risk",
            AuditBand.increasing_risk: "Increasing risk",
            AuditBand.higher_risk: "Higher risk",
            AuditBand.possible_dependence: "Possible dependence",
        },
        lambda j: j.audit_band,
    ),
    "PGSI": (
        {
            PgsiBand.non_problem: "Non-problem",
            PgsiBand.low_risk: "Low risk",
            PgsiBand.moderate_risk: "Moderate risk",
            PgsiBand.problem: "Problem gambling",
        },
        lambda j: j.pgsi_band,
    ),
    "SDS": (
        {
            SdsBand.below_cutoff: "Below the cut-off",
            SdsBand.at_or_above_cutoff: "At or above the cut-off",
        },
        lambda j: j.sds_band,
    ),
}
ALL_SCREENED = "All screened"
FLAGS: dict[str, Callable[[Journey], bool | None]] = {
    "Dependence indicated": lambda j: j.dependence_indicated,
    "Injecting": lambda j: j.injecting,
    "Safeguarding concern": lambda j: j.safeguarding_concern,
}
ASSESSED_NOTE = (
    "Assessed: the referrals of the period whose assessment is complete; referrals from the "
    "last weeks of a period may not have been assessed yet."
)
ALONE_NOTE = (
    "A person can be counted in several rows, so the rows do not sum to a total; each count is "
    "hidden below the threshold by itself."
)
SET_NOTE = (
    "The rows sum to the total: when one count is hidden, the next smallest is hidden too, so "
    "it cannot be worked out."
)


def assessed(journeys: Sequence[Journey]) -> list[Journey]:
    return [j for j in journeys if j.pathway is not None]


def needs_table(done: Sequence[Journey], suppressor: Suppressor) -> Table:
    rows: list[dict[str, Cell]] = []
    for domain, label in NEED_LABELS.items():
        levels = [j.needs.get(domain.value) for j in done]
        rows.append(
            {
                "need": label,
                "some": suppressor.count(levels.count(NeedLevel.some.value)),
                "significant": suppressor.count(levels.count(NeedLevel.significant.value)),
            }
        )
    return Table(
        id="needs",
        title="Needs found at the assessment",
        columns=[
            Column(key="need", label="Need", kind="category"),
            Column(key="some", label="Assessed with some need", kind="count"),
            Column(key="significant", label="Assessed with significant need", kind="count"),
        ],
        rows=rows,
        notes=[ASSESSED_NOTE, ALONE_NOTE],
    )


def safeguarding_table(journeys: Sequence[Journey], suppressor: Suppressor) -> Table:
    rows: list[dict[str, Cell]] = [
        {
            "category": label,
            "referrals": suppressor.count(
                sum(1 for j in journeys if category.value in j.safeguarding_categories)
            ),
        }
        for category, label in SAFEGUARDING_LABELS.items()
    ]
    rows.append(
        {
            "category": "Any safeguarding referral",
            "referrals": suppressor.count(sum(1 for j in journeys if j.safeguarding_categories)),
        }
    )
    return Table(
        id="safeguarding",
        title="Safeguarding referrals raised",
        columns=[
            Column(key="category", label="Category", kind="category"),
            Column(key="referrals", label="Referrals with a safeguarding referral", kind="count"),
        ],
        rows=rows,
        notes=[
            "Referrals of the period for which at least one safeguarding referral of the "
            "category was raised (at any step).",
            ALONE_NOTE,
        ],
    )


def support_table(journeys: Sequence[Journey], suppressor: Suppressor) -> Table:
    rows: list[dict[str, Cell]] = [
        {
            "need": label,
            "referrals": suppressor.count(
                sum(1 for j in journeys if domain.value in j.support_needs)
            ),
        }
        for domain, label in NEED_LABELS.items()
    ]
    rows.append(
        {
            "need": "Any support referral",
            "referrals": suppressor.count(sum(1 for j in journeys if j.support_needs)),
        }
    )
    return Table(
        id="support",
        title="Referrals to local support services",
        columns=[
            Column(key="need", label="Need", kind="category"),
            Column(key="referrals", label="Referrals with a support referral", kind="count"),
        ],
        rows=rows,
        notes=[
            "Referrals of the period referred at least once to a support service for the need "
            "(a person referred twice for one need counts once).",
            ALONE_NOTE,
        ],
    )


def pathways_table(done: Sequence[Journey], suppressor: Suppressor) -> Table:
    allocated = {p: [j for j in done if j.pathway == p.value] for p in PATHWAY_LABELS}
    counts, total = suppressor.additive({p: len(allocated[p]) for p in PATHWAY_LABELS}, len(done))
    overrides, total_overridden = suppressor.additive(
        {p: sum(1 for j in allocated[p] if j.overridden) for p in PATHWAY_LABELS}
    )
    rows: list[dict[str, Cell]] = [
        {
            "pathway": label,
            "assessed": counts[pathway],
            "percent_of_assessed": suppressor.percent(counts[pathway], total),
            "overridden": overrides[pathway],
            "overridden_percent": suppressor.percent(overrides[pathway], counts[pathway]),
        }
        for pathway, label in PATHWAY_LABELS.items()
    ]
    rows.append(
        {
            "pathway": TOTAL,
            "assessed": total,
            "percent_of_assessed": suppressor.percent(total, total),
            "overridden": total_overridden,
            "overridden_percent": suppressor.percent(total_overridden, total),
        }
    )
    return Table(
        id="pathways",
        title="Pathways allocated",
        columns=[
            Column(key="pathway", label="Pathway", kind="category"),
            Column(key="assessed", label="Assessed", kind="count"),
            Column(key="percent_of_assessed", label="Of those assessed (%)", kind="percent"),
            Column(key="overridden", label="Overridden", kind="count"),
            Column(key="overridden_percent", label="Overridden (%)", kind="percent"),
        ],
        rows=rows,
        notes=[
            ASSESSED_NOTE,
            "Overridden: the worker allocated a pathway other than the one the assessment "
            "proposed; counted under the pathway allocated.",
            SET_NOTE,
        ],
    )


def scores_table(done: Sequence[Journey], suppressor: Suppressor) -> Table:
    rows: list[dict[str, Cell]] = []
    for instrument, (bands, band_of) in INSTRUMENTS.items():
        found = [band_of(j) for j in done]
        counts, total = suppressor.additive({band: found.count(band) for band in bands})
        for band, label in bands.items():
            rows.append(
                {
                    "instrument": instrument,
                    "band": label,
                    "assessed": counts[band],
                    "percent": suppressor.percent(counts[band], total),
                }
            )
        rows.append(
            {
                "instrument": instrument,
                "band": ALL_SCREENED,
                "assessed": total,
                "percent": suppressor.percent(total, total),
            }
        )
    return Table(
        id="scores",
        title="Screening scores by band",
        columns=[
            Column(key="instrument", label="Instrument", kind="category"),
            Column(key="band", label="Band", kind="category"),
            Column(key="assessed", label="Assessed", kind="count"),
            Column(key="percent", label="Of those screened (%)", kind="percent"),
        ],
        rows=rows,
        notes=[
            "AUDIT: alcohol (the AUDIT-C screen, then the full AUDIT's risk zones); PGSI: "
            "gambling; SDS: severity of dependence. Screened: assessed with the instrument "
            "scored (not every assessment uses each).",
            f"Within each instrument: {SET_NOTE[0].lower()}{SET_NOTE[1:]}",
        ],
    )


def flags_table(done: Sequence[Journey], suppressor: Suppressor) -> Table:
    whole = suppressor.count(len(done))
    rows: list[dict[str, Cell]] = []
    for flag, raised in FLAGS.items():
        count = suppressor.count(sum(1 for j in done if raised(j)))
        rows.append(
            {
                "flag": flag,
                "assessed": count,
                "percent_of_assessed": suppressor.percent(count, whole),
            }
        )
    return Table(
        id="flags",
        title="What assessments flagged",
        columns=[
            Column(key="flag", label="Flag", kind="category"),
            Column(key="assessed", label="Assessed", kind="count"),
            Column(key="percent_of_assessed", label="Of those assessed (%)", kind="percent"),
        ],
        rows=rows,
        notes=[ASSESSED_NOTE, ALONE_NOTE],
    )


def needs_report(inputs: ReportInputs) -> Report:
    query, suppressor = inputs.query, inputs.suppressor
    done = assessed(inputs.journeys)
    return Report(
        report="needs",
        force=query.force,
        period=query.period,
        suppression_threshold=suppressor.threshold,
        tables=[
            needs_table(done, suppressor),
            safeguarding_table(inputs.journeys, suppressor),
            support_table(inputs.journeys, suppressor),
            pathways_table(done, suppressor),
            scores_table(done, suppressor),
            flags_table(done, suppressor),
        ],
    )
