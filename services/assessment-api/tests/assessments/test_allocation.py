"""The allocation rule: each reason for a one-to-one, their combinations, the group courses, and
the worker's override with and without a written reason."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from assessment_api.assessments.allocation import (
    AllocationFacts,
    Override,
    OverrideRefused,
    ReasonCode,
    allocate,
    propose,
)
from contracts.vocabulary import NeedLevel, Pathway, SafeguardingCategory, Substance

NOTHING = AllocationFacts(
    main_substance=Substance.cannabis,
    substances_used=frozenset({Substance.cannabis}),
    injecting=False,
    sds_total=2,
    sds_cutoff=3,
    audit_total=None,
    safeguarding=NeedLevel.none,
    exploitation=NeedLevel.none,
    safeguarding_referrals=(),
)

# Each one-to-one rule, as the smallest change to a person who would otherwise go to a group.
TRIGGERS: dict[ReasonCode, AllocationFacts] = {
    ReasonCode.sds_at_or_over_cutoff: replace(NOTHING, sds_total=3),
    ReasonCode.audit_possible_dependence: replace(NOTHING, audit_total=20),
    ReasonCode.injecting: replace(NOTHING, injecting=True),
    ReasonCode.opioid_use: replace(
        NOTHING, substances_used=frozenset({Substance.cannabis, Substance.heroin})
    ),
    ReasonCode.significant_safeguarding: replace(NOTHING, safeguarding=NeedLevel.significant),
    ReasonCode.safeguarding_referral: replace(
        NOTHING, safeguarding_referrals=(SafeguardingCategory.child_at_risk,)
    ),
    ReasonCode.significant_exploitation: replace(NOTHING, exploitation=NeedLevel.significant),
}

DEPENDENCE_CODES = {
    ReasonCode.sds_at_or_over_cutoff,
    ReasonCode.audit_possible_dependence,
    ReasonCode.injecting,
    ReasonCode.opioid_use,
}


def combine(codes: tuple[ReasonCode, ...]) -> AllocationFacts:
    facts = NOTHING
    for code in codes:
        trigger = TRIGGERS[code]
        changes = {
            name: getattr(trigger, name)
            for name in (
                "sds_total",
                "audit_total",
                "injecting",
                "substances_used",
                "safeguarding",
                "exploitation",
                "safeguarding_referrals",
            )
            if getattr(trigger, name) != getattr(NOTHING, name)
        }
        facts = replace(facts, **changes)
    return facts


def test_with_no_rule_met_the_main_substance_decides_the_group() -> None:
    proposal = propose(NOTHING)
    assert proposal.pathway is Pathway.cannabis_group
    assert [r.code for r in proposal.reasons] == [ReasonCode.main_substance]
    assert not proposal.dependence_indicated


@pytest.mark.parametrize("code", list(TRIGGERS))
def test_each_rule_alone_leads_to_one_to_one_with_its_reason(code: ReasonCode) -> None:
    proposal = propose(TRIGGERS[code])
    assert proposal.pathway is Pathway.one_to_one
    assert [r.code for r in proposal.reasons] == [code]
    assert proposal.dependence_indicated is (code in DEPENDENCE_CODES)


@pytest.mark.parametrize(
    "codes",
    [c for n in range(2, len(TRIGGERS) + 1) for c in itertools.combinations(TRIGGERS, n)],
    ids=lambda codes: "+".join(c.value for c in codes),
)
def test_every_combination_of_rules_gives_one_to_one_with_all_its_reasons(
    codes: tuple[ReasonCode, ...],
) -> None:
    proposal = propose(combine(codes))
    assert proposal.pathway is Pathway.one_to_one
    assert {r.code for r in proposal.reasons} == set(codes)


@pytest.mark.parametrize(
    ("facts", "pathway"),
    [
        (replace(NOTHING, sds_total=2, sds_cutoff=3), Pathway.cannabis_group),
        (replace(NOTHING, sds_total=3, sds_cutoff=3), Pathway.one_to_one),
        (replace(NOTHING, sds_total=4, sds_cutoff=5), Pathway.cannabis_group),
        (replace(NOTHING, audit_total=19), Pathway.cannabis_group),
        (replace(NOTHING, audit_total=20), Pathway.one_to_one),
        (replace(NOTHING, audit_total=40), Pathway.one_to_one),
        (replace(NOTHING, safeguarding=NeedLevel.some), Pathway.cannabis_group),
        (replace(NOTHING, safeguarding=NeedLevel.significant), Pathway.one_to_one),
        (replace(NOTHING, sds_total=None, sds_cutoff=None), Pathway.cannabis_group),
        (replace(NOTHING, exploitation=NeedLevel.some), Pathway.cannabis_group),
        (replace(NOTHING, exploitation=NeedLevel.significant), Pathway.one_to_one),
        (
            replace(NOTHING, safeguarding_referrals=(SafeguardingCategory.other,)),
            Pathway.one_to_one,
        ),
    ],
    ids=[
        "sds-below",
        "sds-at",
        "sds-below-amphetamine-like-cutoff",
        "audit-19",
        "audit-20",
        "audit-40",
        "safeguarding-some",
        "safeguarding-significant",
        "no-sds",
        "exploitation-some",
        "exploitation-significant",
        "one-safeguarding-referral",
    ],
)
def test_rule_edges(facts: AllocationFacts, pathway: Pathway) -> None:
    assert propose(facts).pathway is pathway


def test_a_safeguarding_referral_is_a_reason_naming_its_category() -> None:
    facts = replace(NOTHING, safeguarding_referrals=(SafeguardingCategory.child_at_risk,))
    [reason] = propose(facts).reasons
    assert reason.code is ReasonCode.safeguarding_referral
    assert reason.text == "A safeguarding referral was raised (child at risk)"


def test_several_safeguarding_referrals_are_one_reason_naming_each_category_once() -> None:
    facts = replace(
        NOTHING,
        safeguarding_referrals=(
            SafeguardingCategory.self_harm,
            SafeguardingCategory.exploitation,
            SafeguardingCategory.self_harm,
        ),
    )
    [reason] = propose(facts).reasons
    assert reason.code is ReasonCode.safeguarding_referral
    assert reason.text == "3 safeguarding referrals were raised (exploitation, self harm)"


def test_significant_exploitation_is_a_reason_naming_what_it_covers() -> None:
    [reason] = propose(TRIGGERS[ReasonCode.significant_exploitation]).reasons
    assert reason.code is ReasonCode.significant_exploitation
    assert reason.text == (
        "A significant exploitation concern (such as county lines or modern slavery)"
    )


def test_a_group_proposal_says_no_safeguarding_or_exploitation_concern_was_found() -> None:
    [reason] = propose(NOTHING).reasons
    assert "safeguarding" in reason.text and "exploitation" in reason.text


def test_heroin_as_the_main_substance_is_opioid_use() -> None:
    facts = replace(NOTHING, main_substance=Substance.heroin, substances_used=frozenset())
    proposal = propose(facts)
    assert proposal.pathway is Pathway.one_to_one
    assert [r.code for r in proposal.reasons] == [ReasonCode.opioid_use]


@pytest.mark.parametrize(
    ("main", "course"),
    [
        (Substance.cannabis, Pathway.cannabis_group),
        (Substance.cocaine, Pathway.cocaine_group),
        (Substance.crack_cocaine, Pathway.cocaine_group),
        (Substance.nitrous_oxide, Pathway.nitrous_oxide_group),
        (Substance.ketamine, Pathway.general_group),
        (Substance.mdma, Pathway.general_group),
        (Substance.amphetamine, Pathway.general_group),
        (Substance.other, Pathway.general_group),
    ],
)
def test_group_course_for_each_main_substance(main: Substance, course: Pathway) -> None:
    proposal = propose(replace(NOTHING, main_substance=main, substances_used=frozenset({main})))
    assert proposal.pathway is course
    assert course.value.replace("_", " ") in proposal.reasons[0].text


def test_without_override_the_proposal_stands() -> None:
    allocation = allocate(propose(NOTHING))
    assert allocation.pathway is Pathway.cannabis_group
    assert not allocation.overridden and allocation.override_reason is None


def test_override_with_a_reason_changes_the_pathway_and_keeps_the_proposal() -> None:
    proposal = propose(TRIGGERS[ReasonCode.audit_possible_dependence])
    allocation = allocate(
        proposal,
        Override(Pathway.cannabis_group, "  Already in alcohol treatment with the  local team "),
    )
    assert allocation.pathway is Pathway.cannabis_group
    assert allocation.overridden
    assert allocation.proposal.pathway is Pathway.one_to_one
    assert allocation.override_reason == "Already in alcohol treatment with the local team"


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_override_without_a_reason_is_refused(reason: str) -> None:
    with pytest.raises(OverrideRefused) as refused:
        allocate(propose(NOTHING), Override(Pathway.one_to_one, reason))
    assert refused.value.field == "override.reason"


def test_override_with_a_token_reason_is_refused() -> None:
    with pytest.raises(OverrideRefused) as refused:
        allocate(propose(NOTHING), Override(Pathway.one_to_one, "because"))
    assert refused.value.field == "override.reason"


def test_override_to_the_proposed_pathway_is_refused() -> None:
    with pytest.raises(OverrideRefused) as refused:
        allocate(
            propose(NOTHING), Override(Pathway.cannabis_group, "Prefers the cannabis group course")
        )
    assert refused.value.field == "override.pathway"
