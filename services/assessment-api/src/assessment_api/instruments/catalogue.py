"""The instruments as published: item wording, answer options with their scores, bands, versions.

Sources (each instrument's `source` says the same to clients):

- AUDIT and AUDIT-C: Babor, Higgins-Biddle, Saunders and Monteiro, *AUDIT: The Alcohol Use
  Disorders Identification Test*, 2nd ed., World Health Organization, 2001; in the UK wording
  (units, "6 or more units if female, or 8 or more if male") and UK scoring zones published by
  Public Health England, *Alcohol use screening tests* (GOV.UK, 2017): AUDIT-C 5 or more is
  positive;
  AUDIT 0-7 lower risk, 8-15 increasing risk, 16-19 higher risk, 20+ possible dependence.
- PGSI: Ferris and Wynne, *The Canadian Problem Gambling Index: Final Report*, Canadian Centre on
  Substance Abuse, 2001: 0 non-problem, 1-2 low risk, 3-7 moderate risk, 8+ problem gambling.
- SDS: Gossop, Darke, Griffiths, Hando, Powis, Hall and Strang, "The Severity of Dependence Scale
  (SDS): psychometric properties of the SDS in English and Australian samples of heroin, cocaine
  and amphetamine users", *Addiction* 90 (1995) 607-614. Cut-offs per drug: `sds_cutoffs.json`.

A new wording or scoring is a new `version`; every stored score names the version it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from assessment_api.instruments.options import (
    DrinkingFrequency,
    Frequency,
    HarmOrConcern,
    PgsiFrequency,
    SdsDifficulty,
    SdsFrequency,
    TypicalUnits,
)


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    score: int


@dataclass(frozen=True)
class Item:
    id: str
    number: int
    text: str
    options: tuple[Option, ...]

    def score_of(self, code: str) -> int:
        for option in self.options:
            if option.code == code:
                return option.score
        raise KeyError(f"{code!r} is not an answer to {self.id}")

    @property
    def max_score(self) -> int:
        return max(option.score for option in self.options)


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    minimum: int
    maximum: int

    def covers(self, total: int) -> bool:
        return self.minimum <= total <= self.maximum


@dataclass(frozen=True)
class Instrument:
    id: str
    name: str
    version: str
    source: str
    preamble: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    scoring: str

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def max_total(self) -> int:
        return sum(item.max_score for item in self.items)

    def band_for(self, total: int) -> Band:
        for band in self.bands:
            if band.covers(total):
                return band
        raise ValueError(f"{total} is outside {self.id}'s range 0-{self.max_total}")


def _options(codes: type[StrEnum], labels_and_scores: list[tuple[str, int]]) -> tuple[Option, ...]:
    members = list(codes)
    if len(members) != len(labels_and_scores):
        raise ValueError(f"{codes.__name__}: options and labels differ in number")
    return tuple(
        Option(member.value, label, score)
        for member, (label, score) in zip(members, labels_and_scores, strict=True)
    )


DRINKING_FREQUENCY = _options(
    DrinkingFrequency,
    [
        ("Never", 0),
        ("Monthly or less", 1),
        ("2 to 4 times per month", 2),
        ("2 to 3 times per week", 3),
        ("4 or more times per week", 4),
    ],
)
TYPICAL_UNITS = _options(
    TypicalUnits,
    [("0 to 2", 0), ("3 to 4", 1), ("5 to 6", 2), ("7 to 9", 3), ("10 or more", 4)],
)
FREQUENCY = _options(
    Frequency,
    [
        ("Never", 0),
        ("Less than monthly", 1),
        ("Monthly", 2),
        ("Weekly", 3),
        ("Daily or almost daily", 4),
    ],
)
HARM_OR_CONCERN = _options(
    HarmOrConcern,
    [("No", 0), ("Yes, but not in the last year", 2), ("Yes, during the last year", 4)],
)
PGSI_FREQUENCY = _options(
    PgsiFrequency,
    [("Never", 0), ("Sometimes", 1), ("Most of the time", 2), ("Almost always", 3)],
)
SDS_FREQUENCY = _options(
    SdsFrequency,
    [
        ("Never or almost never", 0),
        ("Sometimes", 1),
        ("Often", 2),
        ("Always or nearly always", 3),
    ],
)
SDS_DIFFICULTY = _options(
    SdsDifficulty,
    [("Not difficult", 0), ("Quite difficult", 1), ("Very difficult", 2), ("Impossible", 3)],
)

AUDIT_SOURCE = (
    "Babor TF, Higgins-Biddle JC, Saunders JB, Monteiro MG. AUDIT: The Alcohol Use Disorders "
    "Identification Test, 2nd edition. World Health Organization, 2001. UK wording and scoring: "
    "Public Health England, Alcohol use screening tests (GOV.UK, 2017)."
)

AUDIT_ITEMS = (
    Item("q1", 1, "How often do you have a drink containing alcohol?", DRINKING_FREQUENCY),
    Item(
        "q2",
        2,
        "How many units of alcohol do you drink on a typical day when you are drinking?",
        TYPICAL_UNITS,
    ),
    Item(
        "q3",
        3,
        "How often have you had 6 or more units if female, or 8 or more if male, on a single "
        "occasion in the last year?",
        FREQUENCY,
    ),
    Item(
        "q4",
        4,
        "How often during the last year have you found that you were not able to stop drinking "
        "once you had started?",
        FREQUENCY,
    ),
    Item(
        "q5",
        5,
        "How often during the last year have you failed to do what was normally expected from "
        "you because of your drinking?",
        FREQUENCY,
    ),
    Item(
        "q6",
        6,
        "How often during the last year have you needed an alcoholic drink in the morning to get "
        "yourself going after a heavy drinking session?",
        FREQUENCY,
    ),
    Item(
        "q7",
        7,
        "How often during the last year have you had a feeling of guilt or remorse after drinking?",
        FREQUENCY,
    ),
    Item(
        "q8",
        8,
        "How often during the last year have you been unable to remember what happened the night "
        "before because you had been drinking?",
        FREQUENCY,
    ),
    Item(
        "q9",
        9,
        "Have you or somebody else been injured as a result of your drinking?",
        HARM_OR_CONCERN,
    ),
    Item(
        "q10",
        10,
        "Has a relative or friend, doctor or other health worker been concerned about your "
        "drinking or suggested that you cut down?",
        HARM_OR_CONCERN,
    ),
)

AUDIT_C = Instrument(
    id="audit_c",
    name="AUDIT-C (alcohol consumption)",
    version="uk-2017",
    source=AUDIT_SOURCE,
    preamble="Questions about the person's drinking. One unit is half a pint of ordinary beer, "
    "a single measure of spirits or half a standard glass of wine.",
    items=AUDIT_ITEMS[:3],
    bands=(
        Band("auditc_negative", "Negative: lower risk drinking", 0, 4),
        Band("auditc_positive", "Positive: ask the remaining AUDIT questions", 5, 12),
    ),
    scoring="Add the three item scores (0-12). 5 or more is AUDIT-C positive: ask the remaining "
    "seven questions of the full AUDIT.",
)

AUDIT = Instrument(
    id="audit",
    name="AUDIT (Alcohol Use Disorders Identification Test)",
    version="uk-2017",
    source=AUDIT_SOURCE,
    preamble="Asked when AUDIT-C is positive: items 1-3 are the AUDIT-C answers, then items 4-10.",
    items=AUDIT_ITEMS,
    bands=(
        Band("lower_risk", "Lower risk", 0, 7),
        Band("increasing_risk", "Increasing risk", 8, 15),
        Band("higher_risk", "Higher risk", 16, 19),
        Band("possible_dependence", "Possible dependence", 20, 40),
    ),
    scoring="Add the ten item scores (0-40): 0-7 lower risk, 8-15 increasing risk, 16-19 higher "
    "risk, 20 or more possible dependence.",
)

PGSI = Instrument(
    id="pgsi",
    name="PGSI (Problem Gambling Severity Index)",
    version="ferris-wynne-2001",
    source="Ferris J, Wynne H. The Canadian Problem Gambling Index: Final Report. Canadian Centre "
    "on Substance Abuse, 2001.",
    preamble="Thinking about the last 12 months...",
    items=(
        Item("q1", 1, "Have you bet more than you could really afford to lose?", PGSI_FREQUENCY),
        Item(
            "q2",
            2,
            "Have you needed to gamble with larger amounts of money to get the same feeling of "
            "excitement?",
            PGSI_FREQUENCY,
        ),
        Item(
            "q3",
            3,
            "When you gambled, did you go back another day to try to win back the money you lost?",
            PGSI_FREQUENCY,
        ),
        Item(
            "q4",
            4,
            "Have you borrowed money or sold anything to get money to gamble?",
            PGSI_FREQUENCY,
        ),
        Item("q5", 5, "Have you felt that you might have a problem with gambling?", PGSI_FREQUENCY),
        Item(
            "q6",
            6,
            "Has gambling caused you any health problems, including stress or anxiety?",
            PGSI_FREQUENCY,
        ),
        Item(
            "q7",
            7,
            "Have people criticised your betting or told you that you had a gambling problem, "
            "regardless of whether or not you thought it was true?",
            PGSI_FREQUENCY,
        ),
        Item(
            "q8",
            8,
            "Has your gambling caused any financial problems for you or your household?",
            PGSI_FREQUENCY,
        ),
        Item(
            "q9",
            9,
            "Have you felt guilty about the way you gamble or what happens when you gamble?",
            PGSI_FREQUENCY,
        ),
    ),
    bands=(
        Band("non_problem", "Non-problem gambling", 0, 0),
        Band("low_risk", "Low risk gambling", 1, 2),
        Band("moderate_risk", "Moderate risk gambling", 3, 7),
        Band("problem", "Problem gambling", 8, 27),
    ),
    scoring="Add the nine item scores (0-27): 0 non-problem, 1-2 low risk, 3-7 moderate risk, "
    "8 or more problem gambling.",
)

SDS = Instrument(
    id="sds",
    name="SDS (Severity of Dependence Scale)",
    version="gossop-1995",
    source="Gossop M, Darke S, Griffiths P, Hando J, Powis B, Hall W, Strang J. The Severity of "
    "Dependence Scale (SDS): psychometric properties of the SDS in English and Australian samples "
    "of heroin, cocaine and amphetamine users. Addiction 1995;90:607-614.",
    preamble="About the main drug, over the last year. Read {drug} as the main drug's name.",
    items=(
        Item("q1", 1, "Did you ever think your use of {drug} was out of control?", SDS_FREQUENCY),
        Item(
            "q2",
            2,
            "Did the prospect of missing a fix (or dose) make you anxious or worried?",
            SDS_FREQUENCY,
        ),
        Item("q3", 3, "Did you worry about your use of {drug}?", SDS_FREQUENCY),
        Item("q4", 4, "Did you wish you could stop?", SDS_FREQUENCY),
        Item(
            "q5",
            5,
            "How difficult did you find it to stop, or go without {drug}?",
            SDS_DIFFICULTY,
        ),
    ),
    # The band depends on the drug: at or above its cut-off (`sds_cutoffs.json`) or below it.
    bands=(),
    scoring="Add the five item scores (0-15). A total at or above the main drug's cut-off "
    "indicates possible dependence; the cut-offs are listed with their sources.",
)

INSTRUMENTS: tuple[Instrument, ...] = (AUDIT_C, AUDIT, PGSI, SDS)
