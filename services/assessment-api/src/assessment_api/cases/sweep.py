"""The not-engaged sweep: cases whose force's engagement window passed with no completed
assessment close as "did not engage", publishing case.not_engaged.v1 once.

Safe on many instances at once: each case closes through a conditional UPDATE (still open, in the
status this sweeper saw, deadline passed) that stages the event in the same transaction, so
exactly one sweeper wins each case and the losers change nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from assessment_api.cases import repository
from assessment_api.cases.models import Case, CaseStatus
from assessment_api.events import publish
from contracts.events.v1 import CaseNotEngaged
from contracts.vocabulary import EngagementStage
from servicekit.db import Database
from servicekit.periodic import Periodic

log = logging.getLogger(__name__)

STAGE_REACHED = {
    CaseStatus.awaiting_contact: EngagementStage.not_contacted,
    CaseStatus.contacted: EngagementStage.contacted,
}

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SweepResult:
    found: int
    closed: list[uuid.UUID]


class NotEngagedSweep:
    def __init__(
        self,
        db: Database,
        *,
        interval_seconds: float,
        batch_size: int = 200,
        clock: Clock = system_clock,
    ) -> None:
        self.db = db
        self.interval_seconds = interval_seconds
        self.batch_size = batch_size
        self.clock = clock
        self.periodic = Periodic("not-engaged-sweep", self._step, every_seconds=interval_seconds)

    async def due(self, now: datetime) -> list[tuple[uuid.UUID, CaseStatus]]:
        """Open cases past their engagement deadline at `now`."""
        async with self.db.session() as session:
            return await repository.past_deadline(session=session, now=now, limit=self.batch_size)

    async def close(
        self, candidates: list[tuple[uuid.UUID, CaseStatus]], now: datetime
    ) -> list[uuid.UUID]:
        """Close each candidate this sweeper wins; returns the ids it closed."""
        closed: list[uuid.UUID] = []
        for case_id, seen in candidates:
            async with self.db.session() as session:
                # The UPDATE comes first: it takes the write lock, so a racing sweeper (or a
                # worker recording a contact) waits and then finds the status changed.
                won = await repository.transition(
                    session=session,
                    case_id=case_id,
                    from_status=seen,
                    to_status=CaseStatus.not_engaged,
                    now=now,
                    before_deadline=now,
                )
                if not won:
                    await session.rollback()
                    continue
                case = await session.get(Case, case_id)
                assert case is not None
                await publish(
                    session,
                    referral_id=case.referral_id,
                    force_id=case.force_id,
                    data=CaseNotEngaged(
                        referral_id=case.referral_id,
                        case_id=case.id,
                        stage_reached=STAGE_REACHED[seen],
                        at=now,
                        attempts=await repository.count_attempts(session=session, case_id=case_id),
                    ),
                )
                await session.commit()
                closed.append(case_id)
        return closed

    async def run_once(self, now: datetime | None = None) -> SweepResult:
        now = now or self.clock()
        candidates = await self.due(now)
        closed = await self.close(candidates, now)
        if closed:
            log.info("closed %d case(s) as not engaged", len(closed))
        return SweepResult(len(candidates), closed)

    async def _step(self) -> bool:
        # a full batch means more may be waiting: go again at once
        return len((await self.run_once()).closed) >= self.batch_size

    async def start(self) -> None:
        await self.periodic.start()

    async def stop(self) -> None:
        await self.periodic.stop()
