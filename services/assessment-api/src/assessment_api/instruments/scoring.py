"""Scores computed from answer codes with the published scoring tables, and their bands.

Nothing here trusts a number from a client: each item's score is looked up in the instrument's
catalogue by the answer code, and each score names the instrument version (and for SDS the
cut-off version) it was computed with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assessment_api.instruments.catalogue import AUDIT, AUDIT_C, PGSI, SDS, Instrument
from assessment_api.instruments.cutoffs import SDS_CUTOFFS, SdsCutoffs
from contracts.vocabulary import Substance

AUDIT_C_POSITIVE_FROM = 5

Answers = Mapping[str, str | None]


@dataclass(frozen=True)
class Score:
    instrument: str
    version: str
    total: int
    band: str
    band_label: str
    substance: Substance | None = None
    cutoff: int | None = None
    cutoff_version: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "instrument": self.instrument,
            "version": self.version,
            "total": self.total,
            "band": self.band,
            "band_label": self.band_label,
            "substance": None if self.substance is None else self.substance.value,
            "cutoff": self.cutoff,
            "cutoff_version": self.cutoff_version,
        }


def unanswered(instrument: Instrument, answers: Answers) -> list[str]:
    """The item ids still without an answer, in the instrument's order."""
    return [item.id for item in instrument.items if answers.get(item.id) is None]


def total(instrument: Instrument, answers: Answers) -> int | None:
    """The sum of the item scores, or None while any item is unanswered."""
    if unanswered(instrument, answers):
        return None
    return sum(item.score_of(str(answers[item.id])) for item in instrument.items)


def _banded(instrument: Instrument, answers: Answers) -> Score | None:
    points = total(instrument, answers)
    if points is None:
        return None
    band = instrument.band_for(points)
    return Score(instrument.id, instrument.version, points, band.code, band.label)


def score_audit_c(answers: Answers) -> Score | None:
    """AUDIT-C (0-12); 5 or more is positive."""
    return _banded(AUDIT_C, answers)


def audit_c_positive(score: Score) -> bool:
    return score.total >= AUDIT_C_POSITIVE_FROM


def score_audit(audit_c: Answers, remaining: Answers) -> Score | None:
    """The full AUDIT (0-40) from the AUDIT-C answers and items 4-10."""
    return _banded(AUDIT, {**audit_c, **remaining})


def score_pgsi(answers: Answers) -> Score | None:
    """PGSI (0-27): 0 non-problem, 1-2 low risk, 3-7 moderate risk, 8+ problem gambling."""
    return _banded(PGSI, answers)


def score_sds(
    answers: Answers, substance: Substance, cutoffs: SdsCutoffs = SDS_CUTOFFS
) -> Score | None:
    """SDS (0-15) for the main drug, banded by that drug's cut-off."""
    points = total(SDS, answers)
    if points is None:
        return None
    cutoff = cutoffs.for_substance(substance)
    above = points >= cutoff.score
    return Score(
        SDS.id,
        SDS.version,
        points,
        "at_or_above_cutoff" if above else "below_cutoff",
        (
            f"At or above the {substance.value} cut-off of {cutoff.score}: possible dependence"
            if above
            else f"Below the {substance.value} cut-off of {cutoff.score}"
        ),
        substance=substance,
        cutoff=cutoff.score,
        cutoff_version=cutoffs.version,
    )
