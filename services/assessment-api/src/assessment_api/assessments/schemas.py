"""The assessment's answers (saved in progress), the completion request, and what comes back.

Answers are codes; scores, bands and the pathway are computed by the service and only ever
returned. Every model refuses unknown fields, so a client sending a `score` or `total` gets 422.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assessment_api.instruments.answers import AuditAnswers, AuditCAnswers, PgsiAnswers, SdsAnswers
from contracts.vocabulary import NeedAction, NeedDomain, NeedLevel, Pathway, Substance
from servicekit.schemas import FromRow
from servicekit.types import Count, Flag, MultilineText, Text


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Route(StrEnum):
    smoked = "smoked"
    snorted = "snorted"
    swallowed = "swallowed"
    injected = "injected"
    inhaled = "inhaled"
    other = "other"


class SubstanceUseIn(Strict):
    substance: Substance
    days_used_last_28: Count = Field(ge=0, le=28, description="Days used in the last 28 (0-28).")
    typical_amount: Text = Field(
        min_length=1,
        max_length=100,
        description="A typical amount on a day of use, as the person puts it (e.g. '2 joints').",
    )
    route: Route


class SubstanceUseSection(Strict):
    # No injected route when injecting is false: stated in the schema as the check enforces it.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"injecting": {"const": False}}, "required": ["injecting"]},
            "then": {
                "properties": {
                    "substances": {
                        "items": {"properties": {"route": {"not": {"const": Route.injected.value}}}}
                    }
                }
            },
        }
    )

    substances: list[SubstanceUseIn] = Field(default_factory=list, max_length=9)
    injecting: Flag | None = Field(
        default=None, description="Any injecting of any drug (now or in the last 12 months)?"
    )

    @field_validator("substances")
    @classmethod
    def _each_once(cls, value: list[SubstanceUseIn]) -> list[SubstanceUseIn]:
        named = [entry.substance for entry in value]
        if len(set(named)) != len(named):
            raise ValueError("list each substance once")
        return value

    @model_validator(mode="after")
    def _injecting_consistent(self) -> SubstanceUseSection:
        if self.injecting is False and any(e.route is Route.injected for e in self.substances):
            raise ValueError("injecting cannot be false when a substance's route is injected")
        return self

    @property
    def any_injecting(self) -> bool:
        return bool(self.injecting) or any(e.route is Route.injected for e in self.substances)


class AlcoholSection(Strict):
    audit_c: AuditCAnswers = Field(default_factory=AuditCAnswers)
    audit: AuditAnswers | None = Field(
        default=None,
        description="Items 4-10 of the full AUDIT: needed when AUDIT-C is 5 or more.",
    )


class NeedIn(Strict):
    # With no need identified the action is none: stated in the schema as the check enforces it.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"level": {"const": NeedLevel.none.value}}},
            "then": {"properties": {"action": {"const": NeedAction.none.value}}},
        }
    )

    level: NeedLevel
    action: NeedAction = NeedAction.none
    note: MultilineText | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _action_fits_level(self) -> NeedIn:
        if self.level is NeedLevel.none and self.action is not NeedAction.none:
            raise ValueError("with no need identified the action is none")
        return self


HOLISTIC_DOMAINS: tuple[NeedDomain, ...] = (
    NeedDomain.mental_health,
    NeedDomain.physical_health,
    NeedDomain.domestic_abuse,
    NeedDomain.housing,
    NeedDomain.exploitation,
    NeedDomain.safeguarding,
    NeedDomain.employment_education,
    NeedDomain.debt_finances,
)


class NeedsIn(Strict):
    """The holistic check: each domain's level and the action taken."""

    mental_health: NeedIn | None = None
    physical_health: NeedIn | None = None
    domestic_abuse: NeedIn | None = None
    housing: NeedIn | None = None
    exploitation: NeedIn | None = Field(
        default=None, description="Including county lines and modern slavery."
    )
    safeguarding: NeedIn | None = Field(default=None, description="Children or adults at risk.")
    employment_education: NeedIn | None = None
    debt_finances: NeedIn | None = None

    def of(self, domain: NeedDomain) -> NeedIn | None:
        need: NeedIn | None = getattr(self, domain.value)
        return need


class AdviceTopic(StrEnum):
    mixing_substances = "mixing_substances"
    overdose = "overdose"
    route = "route"
    dose = "dose"
    sexual_health = "sexual_health"
    driving = "driving"
    legal_consequences = "legal_consequences"
    travel_consequences = "travel_consequences"


class AssessmentIn(Strict):
    """The assessment as far as it has got; every part may be saved unfinished."""

    main_substance: Substance | None = Field(
        default=None, description="The main drug, if not the one the officer recorded."
    )
    substance_use: SubstanceUseSection = Field(default_factory=SubstanceUseSection)
    alcohol: AlcoholSection = Field(default_factory=AlcoholSection)
    gambling: PgsiAnswers = Field(default_factory=PgsiAnswers, description="PGSI.")
    dependence: SdsAnswers = Field(default_factory=SdsAnswers, description="SDS for the main drug.")
    needs: NeedsIn = Field(default_factory=NeedsIn)
    advice_given: list[AdviceTopic] = Field(
        default_factory=list, max_length=8, json_schema_extra={"uniqueItems": True}
    )
    notes: MultilineText | None = Field(default=None, max_length=4000)

    @field_validator("advice_given")
    @classmethod
    def _topics_once(cls, value: list[AdviceTopic]) -> list[AdviceTopic]:
        if len(set(value)) != len(value):
            raise ValueError("list each topic once")
        return value


class OverrideIn(Strict):
    pathway: Pathway
    reason: MultilineText = Field(
        max_length=1000, description="Why the proposed pathway is not right for this person."
    )


class CompletionIn(Strict):
    override: OverrideIn | None = Field(
        default=None, description="Only to choose another pathway than the proposed one."
    )


class ScoreOut(BaseModel):
    instrument: str
    version: str
    total: int
    band: str
    band_label: str
    substance: Substance | None = None
    cutoff: int | None = None
    cutoff_version: str | None = None


class ReasonOut(FromRow):
    code: str
    text: str


class ProposalOut(FromRow):
    pathway: Pathway
    reasons: list[ReasonOut]
    dependence_indicated: bool


class AllocationOut(FromRow):
    pathway: Pathway
    proposed_pathway: Pathway
    overridden: bool
    override_reason: str | None
    reasons: list[ReasonOut]


class AssessmentOut(FromRow):
    id: uuid.UUID
    case_id: uuid.UUID
    status: str = Field(description="in_progress or completed")
    main_substance: Substance
    answers: AssessmentIn
    scores: list[ScoreOut] = Field(description="Computed by the service, with versions.")
    missing: list[str] = Field(description="Answers still needed before completion.")
    proposal: ProposalOut | None = Field(description="The rule's proposal once nothing is missing.")
    allocation: AllocationOut | None = Field(description="Set on completion.")
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None


def example_assessment() -> dict[str, Any]:
    """A complete assessment of a cannabis user with no dependence: the cannabis group."""
    never = "never"
    return {
        "main_substance": "cannabis",
        "substance_use": {
            "substances": [
                {
                    "substance": "cannabis",
                    "days_used_last_28": 12,
                    "typical_amount": "2 joints in an evening",
                    "route": "smoked",
                }
            ],
            "injecting": False,
        },
        "alcohol": {
            "audit_c": {
                "q1": "two_to_four_times_a_month",
                "q2": "three_to_four",
                "q3": "less_than_monthly",
            }
        },
        "gambling": {f"q{n}": never for n in range(1, 10)},
        "dependence": {
            "q1": "never_or_almost_never",
            "q2": "never_or_almost_never",
            "q3": "sometimes",
            "q4": "never_or_almost_never",
            "q5": "not_difficult",
        },
        "needs": {
            "mental_health": {
                "level": "some",
                "action": "signposted",
                "note": "Low mood since losing job; signposted to talking therapies.",
            },
            "physical_health": {"level": "none"},
            "domestic_abuse": {"level": "none"},
            "housing": {"level": "some", "action": "referred"},
            "exploitation": {"level": "none"},
            "safeguarding": {"level": "none"},
            "employment_education": {"level": "some", "action": "signposted"},
            "debt_finances": {"level": "none"},
        },
        "advice_given": ["mixing_substances", "driving", "legal_consequences"],
        "notes": "Engaged well; wants to cut down before starting a new job.",
    }


def example_override() -> dict[str, Any]:
    return {
        "override": {
            "pathway": "one_to_one",
            "reason": "Severe social anxiety: says they could not take part in a group session.",
        }
    }
