"""Apply many assessments at once from this process, for the concurrency test.

    python book_at_once.py DATABASE_URL COUNT START_AT

waits until START_AT (epoch seconds), so two processes begin together, then applies COUNT
assessment.completed.v1 of the demo force's cannabis group at once, each in its own
transaction, and prints how many of them were seated.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from contracts.events.v1 import AssessmentCompleted
from contracts.vocabulary import Pathway, Substance
from scheduling_api.bookings import allocation
from scheduling_api.bookings.models import ParticipantStatus
from servicekit.db import Database


def assessment() -> AssessmentCompleted:
    return AssessmentCompleted(
        referral_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        completed_at=datetime.now(UTC) - timedelta(days=3),
        pathway=Pathway.cannabis_group,
        proposed_pathway=Pathway.cannabis_group,
        overridden=False,
        main_substance=Substance.cannabis,
        dependence_indicated=False,
        injecting=False,
        safeguarding_concern=False,
        needs={},
    )


async def book(db: Database) -> bool:
    async with db.session() as session:
        participant = await allocation.assessment_completed(
            session, force_id="demo", data=assessment(), now=datetime.now(UTC)
        )
        await session.commit()
        return participant is not None and participant.status is ParticipantStatus.booked


async def main(url: str, count: int, start_at: float) -> None:
    db = Database(url)
    try:
        await db.ping()
        await asyncio.sleep(max(0.0, start_at - time.time()))
        seated = await asyncio.gather(*(book(db) for _ in range(count)))
    finally:
        await db.dispose()
    print(sum(seated))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
