"""What a report is made from: the force's journeys for the period, its settings, the
suppressor.

Journeys loaded for a force and period are kept (a few at a time, per database) with the
generation and version they were read from: the dashboard asks for several reports of one period
at once, and all but the first are answered from the same journeys. Any write of facts raises
the version, so a report never answers from journeys older than the projections.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from reporting_api.forces.models import ReportingRules, rules_of
from reporting_api.projections.projector import active_version
from reporting_api.reports.journeys import Journey, load_journeys
from reporting_api.reports.query import ReportQuery
from reporting_api.reports.suppression import Suppressor

KEPT = 3  # a force-year of journeys is a few MiB

Key = tuple[int, int, str, datetime, datetime]


class JourneyCache:
    def __init__(self, size: int = KEPT) -> None:
        self.size = size
        self._kept: OrderedDict[Key, list[Journey]] = OrderedDict()

    def get(self, key: Key) -> list[Journey] | None:
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def put(self, key: Key, journeys: list[Journey]) -> None:
        # a newer version of the same generation makes every older entry useless
        for old in [k for k in self._kept if k[0] == key[0] and k[1] < key[1]]:
            del self._kept[old]
        self._kept[key] = journeys
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)


_caches: WeakKeyDictionary[Engine, JourneyCache] = WeakKeyDictionary()


def cache_of(session: AsyncSession) -> JourneyCache:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    cache = _caches.get(engine)
    if cache is None:
        cache = _caches[engine] = JourneyCache()
    return cache


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
    generation, version = await active_version(session)
    cache = cache_of(session)
    key = (generation, version, query.force, query.since, query.until)
    journeys = cache.get(key)
    if journeys is None:
        journeys = await load_journeys(session, generation, query.force, query.since, query.until)
        cache.put(key, journeys)
    return ReportInputs(query, generation, journeys, await rules_of(session, query.force))
