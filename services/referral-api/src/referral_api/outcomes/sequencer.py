"""The outcome feed's sequencer: numbers closed referrals, once committed, one after another.

Why not page the feed by when a referral closed, or by its id? A transaction that closes a
referral can commit after a later one: a client that had already read past the later one's key
would never see the earlier. So `close` writes its entry with no position, and only this
sequencer gives positions, to entries already committed, under a lock that lets one sequencer
run at a time across every instance (`repository.lock_the_feed`). Each run numbers on from the
highest position committed before it, and the feed shows only numbered entries: every entry a
client can see has a lower position than every entry it will see later, so a client following
the cursor misses none and sees none twice.
"""

from __future__ import annotations

import logging

from referral_api.outcomes import repository
from servicekit.db import Database
from servicekit.periodic import Periodic

log = logging.getLogger(__name__)


class FeedSequencer:
    def __init__(self, db: Database, *, interval_seconds: float, batch_size: int = 500) -> None:
        self.db = db
        self.batch_size = batch_size
        self.periodic = Periodic("outcome-sequencer", self._step, every_seconds=interval_seconds)

    async def run_once(self) -> int:
        """Number the committed entries waiting; returns how many."""
        async with self.db.session() as session:
            # most runs find nothing: look without the lock, which every instance contends for
            if not await repository.any_unnumbered(session):
                return 0
        async with self.db.session() as session:
            await repository.lock_the_feed(session)
            waiting = await repository.unnumbered(session, self.batch_size)
            position = await repository.last_position(session)
            for entry in waiting:
                position += 1
                await repository.number(session, entry, position)
            await session.commit()
        return len(waiting)

    async def _step(self) -> bool:
        return await self.run_once() >= self.batch_size

    async def start(self) -> None:
        await self.periodic.start()

    async def stop(self) -> None:
        await self.periodic.stop()
