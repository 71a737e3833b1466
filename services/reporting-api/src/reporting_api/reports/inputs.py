"""What a report is made from: the force's journeys for the period, its settings, the
suppressor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from reporting_api.forces.models import ReportingRules, rules_of
from reporting_api.projections.projector import active_generation
from reporting_api.reports.journeys import Journey, load_journeys
from reporting_api.reports.query import ReportQuery
from reporting_api.reports.suppression import Suppressor


@dataclass(frozen=True)
class ReportInputs:
    query: ReportQuery
    generation: int
    journeys: list[Journey]
    rules: ReportingRules

    @property
    def suppressor(self) -> Suppressor:
        return Suppressor(self.rules.suppression_threshold)


async def inputs_for(session: AsyncSession, query: ReportQuery) -> ReportInputs:
    """Everything read in one transaction, from the generation active when it began."""
    generation = await active_generation(session)
    journeys = await load_journeys(session, generation, query.force, query.since, query.until)
    return ReportInputs(query, generation, journeys, await rules_of(session, query.force))
