"""One referral's journey through the scheme, as the projections hold it, and loading a force's
journeys for a period.

A journey is the unit every report counts. It carries categories and times only: the person key
is there to count re-referrals and never leaves this service.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting_api.projections.models import (
    AssessmentFact,
    Milestone,
    MilestoneFact,
    ReferralFact,
    SafeguardingFact,
    SupportFact,
)

# The funnel's stages, in order. A later stage implies the earlier ones (a person assessed was
# contacted, even if the contact event has not arrived yet).
PROGRESS = ("referred", "contacted", "assessed", "booked", "attended", "completed")
ENDINGS = ("completed", "not_engaged", "withdrawn")


@dataclass(frozen=True)
class Journey:
    referral_id: uuid.UUID
    force_id: str
    submitted_at: datetime
    encounter_origin: str
    officer_key: str
    area: str
    main_substance: str
    substances: tuple[str, ...]
    age_years: int
    gender: str
    self_defined_ethnicity: str
    observed_ethnicity: str
    person_key: str
    # the first time of each step, from its event (None: not reached, or not heard of yet)
    contacted_at: datetime | None = None
    assessed_at: datetime | None = None
    booked_at: datetime | None = None
    attended_at: datetime | None = None
    intervention_completed_at: datetime | None = None
    not_engaged_at: datetime | None = None
    not_engaged_stage: str | None = None
    withdrawn_at: datetime | None = None
    # referral.closed.v1: the outcome the police recorded, and when
    closed_at: datetime | None = None
    closed_outcome: str | None = None
    # the assessment's categories (None: not assessed)
    pathway: str | None = None
    proposed_pathway: str | None = None
    overridden: bool | None = None
    dependence_indicated: bool | None = None
    injecting: bool | None = None
    safeguarding_concern: bool | None = None
    needs: dict[str, str] = field(default_factory=dict)
    audit_band: str | None = None
    pgsi_band: str | None = None
    sds_band: str | None = None
    safeguarding_categories: tuple[str, ...] = ()
    support_needs: tuple[str, ...] = ()

    @property
    def outcome(self) -> str | None:
        """How the referral ended: the police's closing outcome when it has arrived, else the
        first ending the services reported (completed, not engaged or withdrawn), else None."""
        if self.closed_outcome is not None:
            return self.closed_outcome
        endings = [
            (at, name)
            for at, name in (
                (self.intervention_completed_at, "completed"),
                (self.not_engaged_at, "not_engaged"),
                (self.withdrawn_at, "withdrawn"),
            )
            if at is not None
        ]
        return min(endings)[1] if endings else None

    @property
    def completed_at(self) -> datetime | None:
        """When the intervention was completed (the closing time when only that has arrived)."""
        if self.outcome != "completed":
            return None
        return self.intervention_completed_at or self.closed_at

    def reached(self, stage: str) -> bool:
        """Whether the journey got to `stage` of `PROGRESS` (or is one of `ENDINGS`)."""
        if stage in ("not_engaged", "withdrawn"):
            return self.outcome == stage
        index = PROGRESS.index(stage)
        steps = (
            True,
            self.contacted_at is not None,
            self.assessed_at is not None,
            self.booked_at is not None,
            self.attended_at is not None,
            self.outcome == "completed",
        )
        return any(steps[index:])


def _first(current: datetime | None, at: datetime) -> datetime:
    return at if current is None or at < current else current


async def load_journeys(
    session: AsyncSession, generation: int, force_id: str, since: datetime, until: datetime
) -> list[Journey]:
    """The force's journeys whose referral was submitted in [since, until), oldest first (ties
    by id), with every step the projections hold for them."""
    referrals = (
        select(ReferralFact)
        .where(
            ReferralFact.generation == generation,
            ReferralFact.force_id == force_id,
            ReferralFact.submitted_at >= since,
            ReferralFact.submitted_at < until,
        )
        .order_by(ReferralFact.submitted_at, ReferralFact.referral_id)
    )
    ids = (
        select(ReferralFact.referral_id)
        .where(
            ReferralFact.generation == generation,
            ReferralFact.force_id == force_id,
            ReferralFact.submitted_at >= since,
            ReferralFact.submitted_at < until,
        )
        .scalar_subquery()
    )
    steps: dict[uuid.UUID, dict[str, Any]] = defaultdict(dict)
    milestones = await session.execute(
        select(
            MilestoneFact.referral_id,
            MilestoneFact.milestone,
            MilestoneFact.at,
            MilestoneFact.detail,
        )
        .where(MilestoneFact.generation == generation, MilestoneFact.referral_id.in_(ids))
        .order_by(MilestoneFact.at, MilestoneFact.event_id)
    )
    for referral_id, milestone, at, detail in milestones:
        journey = steps[referral_id]
        match milestone:
            case Milestone.closed:
                # one closing per referral; were there two, the earliest (then lowest id) stands
                if "closed_at" not in journey:
                    journey["closed_at"], journey["closed_outcome"] = at, detail
            case Milestone.not_engaged:
                if "not_engaged_at" not in journey:
                    journey["not_engaged_at"], journey["not_engaged_stage"] = at, detail
            case Milestone.missed:
                pass
            case _:
                name = {
                    Milestone.contacted: "contacted_at",
                    Milestone.assessed: "assessed_at",
                    Milestone.booked: "booked_at",
                    Milestone.attended: "attended_at",
                    Milestone.completed: "intervention_completed_at",
                    Milestone.withdrawn: "withdrawn_at",
                }[milestone]
                journey[name] = _first(journey.get(name), at)
    assessments = await session.execute(
        select(AssessmentFact).where(
            AssessmentFact.generation == generation, AssessmentFact.referral_id.in_(ids)
        )
    )
    for (assessment,) in assessments:
        steps[assessment.referral_id].update(
            pathway=assessment.pathway,
            proposed_pathway=assessment.proposed_pathway,
            overridden=assessment.overridden,
            dependence_indicated=assessment.dependence_indicated,
            injecting=assessment.injecting,
            safeguarding_concern=assessment.safeguarding_concern,
            needs=json.loads(assessment.needs),
            audit_band=assessment.audit_band,
            pgsi_band=assessment.pgsi_band,
            sds_band=assessment.sds_band,
        )
    categories: dict[uuid.UUID, list[str]] = defaultdict(list)
    for referral_id, category in await session.execute(
        select(SafeguardingFact.referral_id, SafeguardingFact.category)
        .where(SafeguardingFact.generation == generation, SafeguardingFact.referral_id.in_(ids))
        .order_by(SafeguardingFact.safeguarding_referral_id)
    ):
        categories[referral_id].append(category)
    needs: dict[uuid.UUID, list[str]] = defaultdict(list)
    for referral_id, domain in await session.execute(
        select(SupportFact.referral_id, SupportFact.need_domain)
        .where(SupportFact.generation == generation, SupportFact.referral_id.in_(ids))
        .order_by(SupportFact.support_referral_id)
    ):
        needs[referral_id].append(domain)
    journeys = []
    for (row,) in await session.execute(referrals):
        journeys.append(
            Journey(
                referral_id=row.referral_id,
                force_id=row.force_id,
                submitted_at=row.submitted_at,
                encounter_origin=row.encounter_origin,
                officer_key=row.officer_key,
                area=row.area,
                main_substance=row.main_substance,
                substances=tuple(row.substances.split(",")) if row.substances else (),
                age_years=row.age_years,
                gender=row.gender,
                self_defined_ethnicity=row.self_defined_ethnicity,
                observed_ethnicity=row.observed_ethnicity,
                person_key=row.person_key,
                safeguarding_categories=tuple(sorted(categories.get(row.referral_id, ()))),
                support_needs=tuple(sorted(needs.get(row.referral_id, ()))),
                **steps.get(row.referral_id, {}),
            )
        )
    return journeys


async def load_person_history(
    session: AsyncSession, generation: int, force_id: str, since: datetime, until: datetime
) -> list[tuple[str, datetime]]:
    """(person key, submitted) of the force's referrals in [since, until): for re-referrals."""
    rows = await session.execute(
        select(ReferralFact.person_key, ReferralFact.submitted_at).where(
            ReferralFact.generation == generation,
            ReferralFact.force_id == force_id,
            ReferralFact.submitted_at >= since,
            ReferralFact.submitted_at < until,
        )
    )
    return [(person, at) for person, at in rows]
