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
from functools import cached_property
from typing import Any

from sqlalchemy import case, func, select
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
STEP_COLUMNS = (
    "contacted_at",
    "assessed_at",
    "booked_at",
    "attended_at",
    "intervention_completed_at",
    "not_engaged_at",
    "not_engaged_stage",
    "withdrawn_at",
    "closed_at",
    "closed_outcome",
)
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

    @cached_property
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

    @cached_property
    def stages(self) -> frozenset[str]:
        """Every stage of `PROGRESS` the journey got to, and how it ended (if it has)."""
        steps = (
            True,
            self.contacted_at is not None,
            self.assessed_at is not None,
            self.booked_at is not None,
            self.attended_at is not None,
            self.outcome == "completed",
        )
        furthest = max(index for index, reached in enumerate(steps) if reached)
        reached = set(PROGRESS[: furthest + 1])
        if self.outcome in ("not_engaged", "withdrawn"):
            reached.add(self.outcome)
        return frozenset(reached)

    def reached(self, stage: str) -> bool:
        """Whether the journey got to `stage` of `PROGRESS` (or ended as one of `ENDINGS`)."""
        return stage in self.stages


def _step(milestone: Milestone) -> Any:
    """The first time of `milestone` among a referral's milestone facts."""
    return func.min(case((MilestoneFact.milestone == milestone.value, MilestoneFact.at)))


def _detail(milestone: Milestone) -> Any:
    return func.min(case((MilestoneFact.milestone == milestone.value, MilestoneFact.detail)))


async def load_journeys(
    session: AsyncSession, generation: int, force_id: str, since: datetime, until: datetime
) -> list[Journey]:
    """The force's journeys whose referral was submitted in [since, until), oldest first (ties
    by id), with every step the projections hold for them.

    The referrals with their assessments; their steps pivoted in SQL (one row each, the first
    time of each step); their safeguarding and support referrals: each a query of its own, joined
    here by referral id, so no query's plan depends on estimating another's rows (PostgreSQL,
    before its statistics caught up with a bulk load, re-ran a joined pivot per referral: 20 s).
    (A referral closed twice, which the scheme never does, would show its earliest closing time
    and the alphabetically first outcome.)"""
    in_period = (
        ReferralFact.generation == generation,
        ReferralFact.force_id == force_id,
        ReferralFact.submitted_at >= since,
        ReferralFact.submitted_at < until,
    )
    ids = select(ReferralFact.referral_id).where(*in_period).scalar_subquery()
    steps = (
        select(
            MilestoneFact.referral_id.label("referral_id"),
            _step(Milestone.contacted).label("contacted_at"),
            _step(Milestone.assessed).label("assessed_at"),
            _step(Milestone.booked).label("booked_at"),
            _step(Milestone.attended).label("attended_at"),
            _step(Milestone.completed).label("intervention_completed_at"),
            _step(Milestone.not_engaged).label("not_engaged_at"),
            _detail(Milestone.not_engaged).label("not_engaged_stage"),
            _step(Milestone.withdrawn).label("withdrawn_at"),
            _step(Milestone.closed).label("closed_at"),
            _detail(Milestone.closed).label("closed_outcome"),
        )
        .where(MilestoneFact.generation == generation, MilestoneFact.referral_id.in_(ids))
        .group_by(MilestoneFact.referral_id)
    )
    referral, assessment = ReferralFact.__table__.c, AssessmentFact.__table__.c
    query = (
        select(
            referral.referral_id,
            referral.force_id,
            referral.submitted_at,
            referral.encounter_origin,
            referral.officer_key,
            referral.area,
            referral.main_substance,
            referral.substances,
            referral.age_years,
            referral.gender,
            referral.self_defined_ethnicity,
            referral.observed_ethnicity,
            referral.person_key,
            assessment.pathway,
            assessment.proposed_pathway,
            assessment.overridden,
            assessment.dependence_indicated,
            assessment.injecting,
            assessment.safeguarding_concern,
            assessment.needs,
            assessment.audit_band,
            assessment.pgsi_band,
            assessment.sds_band,
        )
        .select_from(ReferralFact.__table__)
        .outerjoin(
            AssessmentFact.__table__,
            (assessment.generation == generation)
            & (assessment.referral_id == referral.referral_id),
        )
        .where(*in_period)
        .order_by(referral.submitted_at, referral.referral_id)
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
    no_steps = dict.fromkeys(STEP_COLUMNS)
    steps_of = {row.referral_id: row._asdict() for row in await session.execute(steps)}
    journeys = []
    for row in await session.execute(query):
        values = row._asdict()
        values.update(steps_of.get(row.referral_id, no_steps))  # its own id again, and steps
        values["substances"] = tuple(row.substances.split(",")) if row.substances else ()
        values["needs"] = json.loads(row.needs) if row.needs else {}
        values["safeguarding_categories"] = tuple(sorted(categories.get(row.referral_id, ())))
        values["support_needs"] = tuple(sorted(needs.get(row.referral_id, ())))
        journeys.append(Journey(**values))
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
