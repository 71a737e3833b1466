"""What each event adds to the projections: pure functions from an event to fact rows.

The rows carry no generation; `projector` writes them into each generation being kept.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Table

from contracts import CloudEvent
from contracts.events import v1
from reporting_api.projections.models import (
    AssessmentFact,
    Milestone,
    MilestoneFact,
    ReferralFact,
    SafeguardingFact,
    SupportFact,
)

Fact = tuple[Table, dict[str, Any]]

REFERRALS: Table = ReferralFact.__table__  # type: ignore[assignment]
MILESTONES: Table = MilestoneFact.__table__  # type: ignore[assignment]
ASSESSMENTS: Table = AssessmentFact.__table__  # type: ignore[assignment]
SAFEGUARDING: Table = SafeguardingFact.__table__  # type: ignore[assignment]
SUPPORT: Table = SupportFact.__table__  # type: ignore[assignment]
FACT_TABLES: tuple[Table, ...] = (REFERRALS, MILESTONES, ASSESSMENTS, SAFEGUARDING, SUPPORT)


def _milestone(
    event: CloudEvent, referral_id: Any, milestone: Milestone, at: Any, detail: str | None = None
) -> Fact:
    return (
        MILESTONES,
        {
            "event_id": event.id,
            "referral_id": referral_id,
            "milestone": milestone,
            "at": at,
            "detail": detail,
        },
    )


def facts_of(event: CloudEvent) -> list[Fact]:
    """The facts `event` adds; none for an event reporting does not use."""
    data: Any = event.data
    match data:
        case v1.ReferralSubmitted():
            return [
                (
                    REFERRALS,
                    {
                        "referral_id": data.referral_id,
                        "force_id": data.force_id,
                        "submitted_at": data.submitted_at,
                        "encounter_at": data.encounter_at,
                        "encounter_origin": data.encounter_origin.value,
                        "officer_key": data.officer_key,
                        "area": data.area,
                        "main_substance": data.main_substance.value,
                        "substances": ",".join(sorted({s.value for s in data.substances})),
                        "age_years": data.age_years,
                        "gender": data.gender.value,
                        "self_defined_ethnicity": data.self_defined_ethnicity.value,
                        "observed_ethnicity": data.observed_ethnicity.value,
                        "person_key": data.person_key,
                        "is_rereferral": data.is_rereferral,
                    },
                )
            ]
        case v1.ReferralWithdrawn():
            return [
                _milestone(
                    event,
                    data.referral_id,
                    Milestone.withdrawn,
                    data.withdrawn_at,
                    data.reason.value,
                )
            ]
        case v1.ReferralClosed():
            return [
                _milestone(
                    event, data.referral_id, Milestone.closed, data.closed_at, data.outcome.value
                )
            ]
        case v1.CaseContacted():
            return [_milestone(event, data.referral_id, Milestone.contacted, data.contacted_at)]
        case v1.AssessmentCompleted():
            return [
                _milestone(event, data.referral_id, Milestone.assessed, data.completed_at),
                (
                    ASSESSMENTS,
                    {
                        "referral_id": data.referral_id,
                        "completed_at": data.completed_at,
                        "pathway": data.pathway.value,
                        "proposed_pathway": data.proposed_pathway.value,
                        "overridden": data.overridden,
                        "dependence_indicated": data.dependence_indicated,
                        "injecting": data.injecting,
                        "safeguarding_concern": data.safeguarding_concern,
                        "needs": json.dumps(
                            {domain.value: level.value for domain, level in data.needs.items()},
                            sort_keys=True,
                        ),
                        "audit_band": data.audit_band.value if data.audit_band else None,
                        "pgsi_band": data.pgsi_band.value if data.pgsi_band else None,
                        "sds_band": data.sds_band.value if data.sds_band else None,
                        "interpreter_needed": data.interpreter_needed,
                    },
                ),
            ]
        case v1.CaseNotEngaged():
            return [
                _milestone(
                    event,
                    data.referral_id,
                    Milestone.not_engaged,
                    data.at,
                    data.stage_reached.value,
                )
            ]
        case v1.SafeguardingRaised():
            return [
                (
                    SAFEGUARDING,
                    {
                        "safeguarding_referral_id": data.safeguarding_referral_id,
                        "referral_id": data.referral_id,
                        "category": data.category.value,
                        "raised_at": data.raised_at,
                    },
                )
            ]
        case v1.SupportReferred():
            return [
                (
                    SUPPORT,
                    {
                        "support_referral_id": data.support_referral_id,
                        "referral_id": data.referral_id,
                        "need_domain": data.need_domain.value,
                        "referred_at": data.referred_at,
                    },
                )
            ]
        case v1.SessionBooked():
            return [
                # booked when the event was published: a booking carries no time of its own
                _milestone(
                    event, data.referral_id, Milestone.booked, event.time, data.course_type.value
                )
            ]
        case v1.SessionAttended():
            return [_milestone(event, data.referral_id, Milestone.attended, data.at)]
        case v1.SessionMissed():
            return [_milestone(event, data.referral_id, Milestone.missed, data.at)]
        case v1.InterventionCompleted():
            return [_milestone(event, data.referral_id, Milestone.completed, data.completed_at)]
        case v1.InterventionNotEngaged():
            return [_milestone(event, data.referral_id, Milestone.not_engaged, data.at, "booked")]
    return []
