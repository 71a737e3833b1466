"""Coded values shared across the scheme: one definition, used by every service and event."""

from __future__ import annotations

from enum import StrEnum


class Substance(StrEnum):
    cannabis = "cannabis"
    cocaine = "cocaine"
    crack_cocaine = "crack_cocaine"
    nitrous_oxide = "nitrous_oxide"
    ketamine = "ketamine"
    mdma = "mdma"
    amphetamine = "amphetamine"
    heroin = "heroin"
    other = "other"


class SelfDefinedEthnicity(StrEnum):
    """The 2021 census 18+1 self-defined ethnicity codes, plus NS (not stated)."""

    W1 = "W1"  # White: English, Welsh, Scottish, Northern Irish or British
    W2 = "W2"  # White: Irish
    W3 = "W3"  # White: Gypsy or Irish Traveller
    W9 = "W9"  # White: any other White background (incl. Roma)
    M1 = "M1"  # Mixed: White and Black Caribbean
    M2 = "M2"  # Mixed: White and Black African
    M3 = "M3"  # Mixed: White and Asian
    M9 = "M9"  # Mixed: any other Mixed background
    A1 = "A1"  # Asian: Indian
    A2 = "A2"  # Asian: Pakistani
    A3 = "A3"  # Asian: Bangladeshi
    A4 = "A4"  # Asian: Chinese
    A9 = "A9"  # Asian: any other Asian background
    B1 = "B1"  # Black: Caribbean
    B2 = "B2"  # Black: African
    B9 = "B9"  # Black: any other Black background
    O2 = "O2"  # Other: Arab
    O9 = "O9"  # Other: any other ethnic group
    NS = "NS"  # Not stated


class ObservedEthnicity(StrEnum):
    """The officer-observed IC codes."""

    IC1 = "IC1"  # White - North European
    IC2 = "IC2"  # White - South European
    IC3 = "IC3"  # Black
    IC4 = "IC4"  # Asian
    IC5 = "IC5"  # Chinese, Japanese or other South East Asian
    IC6 = "IC6"  # Arabic or North African
    IC9 = "IC9"  # Unknown


class Gender(StrEnum):
    female = "female"
    male = "male"
    non_binary = "non_binary"
    self_described = "self_described"
    not_stated = "not_stated"


class EncounterOrigin(StrEnum):
    stop_and_search = "stop_and_search"
    other = "other"


class ReferralStatus(StrEnum):
    submitted = "submitted"
    contacted = "contacted"
    assessed = "assessed"
    booked = "booked"
    completed = "completed"
    not_engaged = "not_engaged"
    withdrawn = "withdrawn"


class ReferralOutcome(StrEnum):
    completed = "completed"
    not_engaged = "not_engaged"
    withdrawn = "withdrawn"


class WithdrawalReason(StrEnum):
    made_in_error = "made_in_error"
    wrong_person = "wrong_person"
    not_eligible_on_review = "not_eligible_on_review"
    duplicate = "duplicate"
    other = "other"


class Pathway(StrEnum):
    """The intervention a case is allocated to."""

    cannabis_group = "cannabis_group"
    cocaine_group = "cocaine_group"
    nitrous_oxide_group = "nitrous_oxide_group"
    general_group = "general_group"
    one_to_one = "one_to_one"


class NeedDomain(StrEnum):
    mental_health = "mental_health"
    physical_health = "physical_health"
    domestic_abuse = "domestic_abuse"
    housing = "housing"
    exploitation = "exploitation"
    safeguarding = "safeguarding"
    employment_education = "employment_education"
    debt_finances = "debt_finances"
    # substance use and gambling are needs a support referral can meet too
    substance_use = "substance_use"
    alcohol = "alcohol"
    gambling = "gambling"


class NeedLevel(StrEnum):
    none = "none"
    some = "some"
    significant = "significant"


class NeedAction(StrEnum):
    none = "none"
    signposted = "signposted"
    referred = "referred"


class EngagementStage(StrEnum):
    """How far a person got before not engaging."""

    not_contacted = "not_contacted"
    contacted = "contacted"
    assessed = "assessed"
    booked = "booked"


class SafeguardingCategory(StrEnum):
    child_at_risk = "child_at_risk"
    adult_at_risk = "adult_at_risk"
    domestic_abuse = "domestic_abuse"
    exploitation = "exploitation"
    self_harm = "self_harm"
    other = "other"


class AuditBand(StrEnum):
    """AUDIT-C screen and full AUDIT risk zones."""

    auditc_negative = "auditc_negative"
    lower_risk = "lower_risk"
    increasing_risk = "increasing_risk"
    higher_risk = "higher_risk"
    possible_dependence = "possible_dependence"


class PgsiBand(StrEnum):
    non_problem = "non_problem"
    low_risk = "low_risk"
    moderate_risk = "moderate_risk"
    problem = "problem"


class SdsBand(StrEnum):
    below_cutoff = "below_cutoff"
    at_or_above_cutoff = "at_or_above_cutoff"


class DeliveryMode(StrEnum):
    online = "online"
    venue = "venue"
    telephone = "telephone"
