"""The instruments as a client renders them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from contracts.vocabulary import Substance


class OptionOut(BaseModel):
    code: str = Field(description="Send this code as the answer.")
    label: str
    score: int = Field(description="The points the published instrument gives this answer.")


class ItemOut(BaseModel):
    id: str
    number: int
    text: str
    options: list[OptionOut]


class BandOut(BaseModel):
    code: str
    label: str
    minimum: int
    maximum: int


class InstrumentOut(BaseModel):
    id: str
    name: str
    version: str
    source: str
    preamble: str
    scoring: str
    max_total: int
    items: list[ItemOut]
    bands: list[BandOut]


class SdsCutoffOut(BaseModel):
    substance: Substance
    score: int = Field(description="An SDS total at or above this indicates possible dependence.")
    validated: bool
    source: str


class SdsCutoffsOut(BaseModel):
    version: str
    description: str
    cutoffs: list[SdsCutoffOut]


class InstrumentsOut(BaseModel):
    instruments: list[InstrumentOut]
    sds_cutoffs: SdsCutoffsOut
