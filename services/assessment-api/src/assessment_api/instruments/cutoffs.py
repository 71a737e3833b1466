"""SDS cut-offs per drug: versioned configuration shipped as `data/sds_cutoffs.json`.

A change of any cut-off is a new version of the file; every SDS score stores the version of the
cut-offs it was banded with, so a past allocation can always be explained.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from contracts.vocabulary import Substance


@dataclass(frozen=True)
class SdsCutoff:
    substance: Substance
    score: int
    validated: bool
    source: str


@dataclass(frozen=True)
class SdsCutoffs:
    version: str
    description: str
    cutoffs: dict[Substance, SdsCutoff]

    def for_substance(self, substance: Substance) -> SdsCutoff:
        return self.cutoffs[substance]


def parse_cutoffs(document: dict[str, Any]) -> SdsCutoffs:
    """Read a cut-off document; every drug in the vocabulary must have a cut-off within 1-15."""
    raw = document["cutoffs"]
    cutoffs: dict[Substance, SdsCutoff] = {}
    for name, entry in raw.items():
        substance = Substance(name)
        score = int(entry["score"])
        if not 1 <= score <= 15:
            raise ValueError(f"SDS cut-off for {name} must be within 1-15, not {score}")
        cutoffs[substance] = SdsCutoff(
            substance, score, bool(entry["validated"]), str(entry["source"])
        )
    missing = set(Substance) - set(cutoffs)
    if missing:
        raise ValueError(f"SDS cut-offs missing for: {', '.join(sorted(missing))}")
    return SdsCutoffs(str(document["version"]), str(document.get("description", "")), cutoffs)


def load_cutoffs() -> SdsCutoffs:
    text = (
        resources.files("assessment_api.instruments")
        .joinpath("data/sds_cutoffs.json")
        .read_text(encoding="utf-8")
    )
    return parse_cutoffs(json.loads(text))


SDS_CUTOFFS = load_cutoffs()
