"""Allocation: the rule that proposes a pathway with its reasons, and the worker's override.

Possible dependence (SDS at or over the main drug's cut-off, AUDIT 20 or more, any injecting,
any opioid use) or a significant safeguarding concern leads to a one-to-one session. A safeguarding
concern is significant when the holistic check's safeguarding domain is at level significant, when
a safeguarding referral was raised for the person, or when the exploitation domain (county lines,
modern slavery) is at level significant. Otherwise the group course for the main substance:
cannabis; cocaine and crack cocaine; nitrous oxide; or the general drugs course. The worker may
choose another pathway only with a written reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contracts.vocabulary import NeedLevel, Pathway, SafeguardingCategory, Substance

AUDIT_POSSIBLE_DEPENDENCE_FROM = 20
OPIOIDS = frozenset({Substance.heroin})
MIN_OVERRIDE_REASON = 10

GROUP_COURSE: dict[Substance, Pathway] = {
    Substance.cannabis: Pathway.cannabis_group,
    Substance.cocaine: Pathway.cocaine_group,
    Substance.crack_cocaine: Pathway.cocaine_group,
    Substance.nitrous_oxide: Pathway.nitrous_oxide_group,
}


class ReasonCode(StrEnum):
    sds_at_or_over_cutoff = "sds_at_or_over_cutoff"
    audit_possible_dependence = "audit_possible_dependence"
    injecting = "injecting"
    opioid_use = "opioid_use"
    significant_safeguarding = "significant_safeguarding"
    safeguarding_referral = "safeguarding_referral"
    significant_exploitation = "significant_exploitation"
    main_substance = "main_substance"


DEPENDENCE = frozenset(
    {
        ReasonCode.sds_at_or_over_cutoff,
        ReasonCode.audit_possible_dependence,
        ReasonCode.injecting,
        ReasonCode.opioid_use,
    }
)


@dataclass(frozen=True)
class AllocationFacts:
    """What the rule looks at, taken from a scored assessment."""

    main_substance: Substance
    substances_used: frozenset[Substance] = frozenset()
    injecting: bool = False
    sds_total: int | None = None
    sds_cutoff: int | None = None
    audit_total: int | None = None
    safeguarding: NeedLevel = NeedLevel.none
    exploitation: NeedLevel = NeedLevel.none
    # the category of each safeguarding referral raised for the person, open or closed
    safeguarding_referrals: tuple[SafeguardingCategory, ...] = ()


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    text: str


@dataclass(frozen=True)
class Proposal:
    pathway: Pathway
    reasons: tuple[Reason, ...]

    @property
    def dependence_indicated(self) -> bool:
        return any(reason.code in DEPENDENCE for reason in self.reasons)


def _one_to_one_reasons(facts: AllocationFacts) -> list[Reason]:
    reasons: list[Reason] = []
    if (
        facts.sds_total is not None
        and facts.sds_cutoff is not None
        and facts.sds_total >= facts.sds_cutoff
    ):
        reasons.append(
            Reason(
                ReasonCode.sds_at_or_over_cutoff,
                f"SDS {facts.sds_total} for {facts.main_substance.value} is at or over its "
                f"cut-off of {facts.sds_cutoff}: possible dependence",
            )
        )
    if facts.audit_total is not None and facts.audit_total >= AUDIT_POSSIBLE_DEPENDENCE_FROM:
        reasons.append(
            Reason(
                ReasonCode.audit_possible_dependence,
                f"AUDIT {facts.audit_total} is {AUDIT_POSSIBLE_DEPENDENCE_FROM} or more: possible "
                "alcohol dependence",
            )
        )
    if facts.injecting:
        reasons.append(Reason(ReasonCode.injecting, "Injecting drug use"))
    opioids = sorted(s.value for s in (facts.substances_used | {facts.main_substance}) & OPIOIDS)
    if opioids:
        reasons.append(Reason(ReasonCode.opioid_use, f"Opioid use ({', '.join(opioids)})"))
    if facts.safeguarding is NeedLevel.significant:
        reasons.append(
            Reason(ReasonCode.significant_safeguarding, "A significant safeguarding concern")
        )
    if facts.safeguarding_referrals:
        reasons.append(_referrals_reason(facts.safeguarding_referrals))
    if facts.exploitation is NeedLevel.significant:
        reasons.append(
            Reason(
                ReasonCode.significant_exploitation,
                "A significant exploitation concern (such as county lines or modern slavery)",
            )
        )
    return reasons


def _referrals_reason(categories: tuple[SafeguardingCategory, ...]) -> Reason:
    """One reason for every safeguarding referral raised, naming each category once."""
    named = ", ".join(sorted({c.value.replace("_", " ") for c in categories}))
    if len(categories) == 1:
        text = f"A safeguarding referral was raised ({named})"
    else:
        text = f"{len(categories)} safeguarding referrals were raised ({named})"
    return Reason(ReasonCode.safeguarding_referral, text)


def propose(facts: AllocationFacts) -> Proposal:
    """The pathway the rule proposes, with every reason that led to it."""
    reasons = _one_to_one_reasons(facts)
    if reasons:
        return Proposal(Pathway.one_to_one, tuple(reasons))
    course = GROUP_COURSE.get(facts.main_substance, Pathway.general_group)
    return Proposal(
        course,
        (
            Reason(
                ReasonCode.main_substance,
                "No dependence, safeguarding referral, or significant safeguarding or exploitation "
                f"concern indicated; main substance "
                f"{facts.main_substance.value.replace('_', ' ')}: {course.value.replace('_', ' ')}",
            ),
        ),
    )


@dataclass(frozen=True)
class Override:
    pathway: Pathway
    reason: str


class OverrideRefused(ValueError):
    """An override the rule cannot accept; `field` names what to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Allocation:
    pathway: Pathway
    proposal: Proposal
    override_reason: str | None = None

    @property
    def overridden(self) -> bool:
        return self.override_reason is not None


def allocate(proposal: Proposal, override: Override | None = None) -> Allocation:
    """The final pathway: the proposal, or the worker's choice with their written reason."""
    if override is None:
        return Allocation(proposal.pathway, proposal)
    reason = " ".join(override.reason.split())
    if not reason:
        raise OverrideRefused("override.reason", "write why you are choosing another pathway")
    if len(reason) < MIN_OVERRIDE_REASON:
        raise OverrideRefused(
            "override.reason", f"say why in at least {MIN_OVERRIDE_REASON} characters"
        )
    if override.pathway is proposal.pathway:
        raise OverrideRefused(
            "override.pathway", "is already the proposed pathway; leave the override out"
        )
    return Allocation(override.pathway, proposal, reason)
