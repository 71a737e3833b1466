"""Publish one facilitator's window many times at once from this process, for the concurrency
test.

    python publish_at_once.py DATABASE_URL COUNT START_AT DATE

waits until START_AT (epoch seconds), so two processes begin together, then publishes COUNT
windows of the demo force's one-to-ones on DATE, 09:00 to 11:00, all by one facilitator, each in
its own transaction, and prints how many were published and how many refused as overlapping.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, date, datetime
from datetime import time as clock

from scheduling_api.availability import service
from scheduling_api.sessions.models import DeliveryMode
from servicekit.db import Database

DELIVERY = service.Delivery(
    mode=DeliveryMode.online,
    join_link="https://meet.example.org/one-to-one",
    venue=None,
    language=None,
    interpreter_available=False,
)


async def publish(db: Database, day: date) -> str:
    async with db.session() as session:
        try:
            await service.publish(
                session,
                force_id="demo",
                facilitator_id="facilitator-ade",
                day=day,
                from_time=clock(9),
                to_time=clock(11),
                minutes=60,
                delivery=DELIVERY,
                forces=["demo"],
                now=datetime.now(UTC),
            )
        except service.Clash:
            return "refused"
        await session.commit()
        return "published"


async def main(url: str, count: int, start_at: float, day: date) -> None:
    db = Database(url)
    try:
        await db.ping()
        await asyncio.sleep(max(0.0, start_at - time.time()))
        results = await asyncio.gather(*(publish(db, day) for _ in range(count)))
    finally:
        await db.dispose()
    print(results.count("published"), results.count("refused"))


if __name__ == "__main__":
    asyncio.run(
        main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), date.fromisoformat(sys.argv[4]))
    )
