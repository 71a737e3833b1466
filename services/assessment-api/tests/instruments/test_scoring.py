"""Scores and bands against the published scoring tables, kept here as data.

The tables below are copied from the published forms (UK AUDIT, PHE 2017; PGSI, Ferris and Wynne
2001; SDS, Gossop et al. 1995 with the cut-off studies cited in the README), independently of the
catalogue the service uses, so a mistyped score or band edge in the catalogue fails here.
"""

from __future__ import annotations

import itertools
import random

import pytest

from assessment_api.instruments.catalogue import AUDIT, AUDIT_C, PGSI, SDS, Instrument
from assessment_api.instruments.cutoffs import SDS_CUTOFFS
from assessment_api.instruments.scoring import (
    audit_c_positive,
    score_audit,
    score_audit_c,
    score_pgsi,
    score_sds,
    unanswered,
)
from contracts.vocabulary import Substance

FREQUENCY = [
    ("Never", 0),
    ("Less than monthly", 1),
    ("Monthly", 2),
    ("Weekly", 3),
    ("Daily or almost daily", 4),
]
HARM = [("No", 0), ("Yes, but not in the last year", 2), ("Yes, during the last year", 4)]
PUBLISHED_AUDIT = {
    "q1": [
        ("Never", 0),
        ("Monthly or less", 1),
        ("2 to 4 times per month", 2),
        ("2 to 3 times per week", 3),
        ("4 or more times per week", 4),
    ],
    "q2": [("0 to 2", 0), ("3 to 4", 1), ("5 to 6", 2), ("7 to 9", 3), ("10 or more", 4)],
    **{f"q{n}": FREQUENCY for n in range(3, 9)},
    "q9": HARM,
    "q10": HARM,
}
PUBLISHED_AUDIT_ZONES = [
    (0, 7, "lower_risk"),
    (8, 15, "increasing_risk"),
    (16, 19, "higher_risk"),
    (20, 40, "possible_dependence"),
]
AUDIT_C_POSITIVE_FROM = 5
PUBLISHED_PGSI = {
    f"q{n}": [("Never", 0), ("Sometimes", 1), ("Most of the time", 2), ("Almost always", 3)]
    for n in range(1, 10)
}
PUBLISHED_PGSI_BANDS = [
    (0, 0, "non_problem"),
    (1, 2, "low_risk"),
    (3, 7, "moderate_risk"),
    (8, 27, "problem"),
]
SDS_FREQUENCY = [
    ("Never or almost never", 0),
    ("Sometimes", 1),
    ("Often", 2),
    ("Always or nearly always", 3),
]
PUBLISHED_SDS = {
    "q1": SDS_FREQUENCY,
    "q2": SDS_FREQUENCY,
    "q3": SDS_FREQUENCY,
    "q4": SDS_FREQUENCY,
    "q5": [("Not difficult", 0), ("Quite difficult", 1), ("Very difficult", 2), ("Impossible", 3)],
}
# Cut-offs from the validation studies (a score at or above indicates dependence); the drugs
# without a validated cut-off take the provisional 3.
PUBLISHED_SDS_CUTOFFS = {
    Substance.cannabis: 3,  # Swift, Copeland and Hall 1998
    Substance.cocaine: 3,  # Kaye and Darke 2002
    Substance.crack_cocaine: 3,  # as cocaine
    Substance.heroin: 3,  # Gonzalez-Saiz et al. 2009
    Substance.amphetamine: 5,  # Topp and Mattick 1997: "greater than four"
    Substance.ketamine: 3,
    Substance.mdma: 3,
    Substance.nitrous_oxide: 3,
    Substance.other: 3,
}


def zone(table: list[tuple[int, int, str]], total: int) -> str:
    return next(name for low, high, name in table if low <= total <= high)


def codes_for(instrument: Instrument, item_id: str) -> list[str]:
    return [option.code for option in instrument.item(item_id).options]


def answers_totalling(
    instrument: Instrument, published: dict[str, list[tuple[str, int]]], target: int
) -> dict[str, str]:
    """Answer codes whose published points add up to `target` (greedy, largest first)."""
    answers: dict[str, str] = {}
    remaining = target
    for item in instrument.items:
        points = [p for _, p in published[item.id]]
        best = max(i for i, p in enumerate(points) if p <= remaining)
        answers[item.id] = item.options[best].code
        remaining -= points[best]
    assert remaining == 0, f"{target} cannot be reached on {instrument.id}"
    return answers


def published_total(
    instrument: Instrument, published: dict[str, list[tuple[str, int]]], answers: dict[str, str]
) -> int:
    """The total by the published table: each answer's position gives its printed points."""
    return sum(
        published[item_id][codes_for(instrument, item_id).index(code)][1]
        for item_id, code in answers.items()
    )


@pytest.mark.parametrize(
    ("instrument", "published"),
    [
        (AUDIT_C, PUBLISHED_AUDIT),
        (AUDIT, PUBLISHED_AUDIT),
        (PGSI, PUBLISHED_PGSI),
        (SDS, PUBLISHED_SDS),
    ],
    ids=["audit_c", "audit", "pgsi", "sds"],
)
def test_every_option_carries_the_published_label_and_points(
    instrument: Instrument, published: dict[str, list[tuple[str, int]]]
) -> None:
    for item in instrument.items:
        assert [(o.label, o.score) for o in item.options] == published[item.id], item.id
    assert len(instrument.items) == {"audit_c": 3, "audit": 10, "pgsi": 9, "sds": 5}[instrument.id]


def test_every_audit_c_total_from_0_to_12_and_its_positive_threshold() -> None:
    seen: dict[int, set[bool]] = {}
    for combination in itertools.product(*(codes_for(AUDIT_C, q) for q in ("q1", "q2", "q3"))):
        answers = dict(zip(("q1", "q2", "q3"), combination, strict=True))
        expected = published_total(AUDIT, PUBLISHED_AUDIT, answers)
        score = score_audit_c(answers)
        assert score is not None
        assert score.total == expected
        assert audit_c_positive(score) is (expected >= AUDIT_C_POSITIVE_FROM)
        assert score.band == ("auditc_positive" if expected >= 5 else "auditc_negative")
        assert score.version == AUDIT_C.version
        seen.setdefault(expected, set()).add(audit_c_positive(score))
    assert sorted(seen) == list(range(13))
    assert seen[4] == {False} and seen[5] == {True}


@pytest.mark.parametrize("total", [0, 7, 8, 15, 16, 19, 20, 40])
def test_full_audit_zone_edges(total: int) -> None:
    answers = answers_totalling(AUDIT, PUBLISHED_AUDIT, total)
    first = {k: v for k, v in answers.items() if k in ("q1", "q2", "q3")}
    rest = {k: v for k, v in answers.items() if k not in first}
    score = score_audit(first, rest)
    assert score is not None
    assert (score.total, score.band) == (total, zone(PUBLISHED_AUDIT_ZONES, total))


def test_full_audit_matches_the_published_table_on_random_answer_sheets() -> None:
    rng = random.Random(20260101)
    for _ in range(3000):
        answers = {item.id: rng.choice(item.options).code for item in AUDIT.items}
        first = {k: v for k, v in answers.items() if k in ("q1", "q2", "q3")}
        rest = {k: v for k, v in answers.items() if k not in first}
        expected = published_total(AUDIT, PUBLISHED_AUDIT, answers)
        score = score_audit(first, rest)
        assert score is not None
        assert (score.total, score.band) == (expected, zone(PUBLISHED_AUDIT_ZONES, expected))


def test_audit_items_9_and_10_score_0_2_or_4_only() -> None:
    for item_id in ("q9", "q10"):
        assert [o.score for o in AUDIT.item(item_id).options] == [0, 2, 4]


@pytest.mark.parametrize("total", list(range(28)))
def test_every_pgsi_total_and_band_edge(total: int) -> None:
    score = score_pgsi(answers_totalling(PGSI, PUBLISHED_PGSI, total))
    assert score is not None
    assert (score.total, score.band) == (total, zone(PUBLISHED_PGSI_BANDS, total))


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "non_problem"),
        (1, "low_risk"),
        (2, "low_risk"),
        (3, "moderate_risk"),
        (7, "moderate_risk"),
        (8, "problem"),
    ],
)
def test_pgsi_named_band_edges(total: int, band: str) -> None:
    score = score_pgsi(answers_totalling(PGSI, PUBLISHED_PGSI, total))
    assert score is not None and score.band == band


def test_sds_cutoffs_are_the_published_ones_for_every_drug() -> None:
    assert {s: c.score for s, c in SDS_CUTOFFS.cutoffs.items()} == PUBLISHED_SDS_CUTOFFS


@pytest.mark.parametrize("substance", list(Substance))
def test_sds_cutoff_edges_per_drug(substance: Substance) -> None:
    cutoff = PUBLISHED_SDS_CUTOFFS[substance]
    below = score_sds(answers_totalling(SDS, PUBLISHED_SDS, cutoff - 1), substance)
    at = score_sds(answers_totalling(SDS, PUBLISHED_SDS, cutoff), substance)
    assert below is not None and at is not None
    assert (below.total, below.band) == (cutoff - 1, "below_cutoff")
    assert (at.total, at.band) == (cutoff, "at_or_above_cutoff")
    assert (at.cutoff, at.substance, at.cutoff_version) == (
        cutoff,
        substance,
        SDS_CUTOFFS.version,
    )
    assert at.version == SDS.version


def test_sds_ranges_from_0_to_15() -> None:
    low = score_sds(answers_totalling(SDS, PUBLISHED_SDS, 0), Substance.cannabis)
    high = score_sds(answers_totalling(SDS, PUBLISHED_SDS, 15), Substance.cannabis)
    assert low is not None and high is not None
    assert (low.total, high.total) == (0, 15)


def test_an_unfinished_answer_sheet_has_no_score_and_names_what_is_missing() -> None:
    partial = {"q1": "never", "q3": "weekly"}
    assert score_audit_c(partial) is None
    assert unanswered(AUDIT_C, partial) == ["q2"]
    assert score_pgsi({}) is None
    assert unanswered(PGSI, {}) == [f"q{n}" for n in range(1, 10)]
    assert score_sds({"q1": "often"}, Substance.cannabis) is None
