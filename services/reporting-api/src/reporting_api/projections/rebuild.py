"""Rebuilding the projections: replay every event from the start into a fresh generation, then
swap it in.

1. `request` adds generation N+1 as `building` and commits. From then on the live consumer writes
   every event it applies into N+1 as well as into the active N.
2. The rebuild replays the imported history, then each stream from its first message up to the
   last one it held when the rebuild began (anything later the live consumer writes into N+1),
   in batches, each batch's facts in one transaction.
3. It makes N+1 active and N retired in one transaction: reports read N until that commit and
   N+1 after it, never a half-built generation. A minute later (a report that began reading N
   has finished) N's facts are deleted.

Facts are only inserted, never updated, with conflicts ignored, so an event applied twice (live
and replayed) or out of order gives the same projections. A rebuild that fails is marked failed
and its facts deleted; one whose process died goes quiet (`heartbeat_at`) and the next request
replaces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import nats.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy import delete, func, select, text, update

from contracts import CloudEvent, UnknownEventType, parse_event
from reporting_api.config import Settings
from reporting_api.projections.facts import FACT_TABLES, facts_of
from reporting_api.projections.models import Generation, GenerationState, ImportedEvent
from reporting_api.projections.projector import STREAM_EVENTS, write_facts
from servicekit import bus
from servicekit.db import Database, utcnow
from servicekit.periodic import Periodic

log = logging.getLogger(__name__)

# a rebuild whose heartbeat is older than this is taken to have died with its process
ABANDONED_AFTER = timedelta(minutes=2)
FETCH_SECONDS = 2.0
# how long a replaced generation's facts are kept: longer than any report takes to read them
FORGET_AFTER = timedelta(seconds=60)


class RebuildRunning(Exception):
    """A rebuild is already running: its generation."""

    def __init__(self, generation: Generation) -> None:
        super().__init__(f"generation {generation.generation} is being rebuilt")
        self.generation = generation


class Rebuilder:
    """Runs rebuilds in this process; at most one at a time across every instance."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.nats_url = settings.nats_url
        self.batch_size = settings.rebuild_batch_size
        self._task: asyncio.Task[None] | None = None
        # retired and failed generations' facts go once no report can still be reading them
        self._forgetter = Periodic("forget-old-generations", self.forget_old, every_seconds=30)

    async def start(self) -> None:
        await self._forgetter.start()

    async def stop(self) -> None:
        await self._forgetter.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def request(self, now: datetime) -> Generation:
        """Start a rebuild into a new generation; RebuildRunning if one is under way."""
        async with self.db.session() as session:
            building = await session.scalar(
                select(Generation)
                .where(Generation.state == GenerationState.building)
                .with_for_update()
            )
            if building is not None:
                heartbeat = building.heartbeat_at or building.requested_at
                if now - heartbeat < ABANDONED_AFTER:
                    raise RebuildRunning(building)
                building.state = GenerationState.failed
                building.finished_at = now
                building.error = "abandoned: its process stopped before it finished"
            latest = await session.scalar(select(func.max(Generation.generation)))
            generation = Generation(
                generation=(latest or 0) + 1,
                state=GenerationState.building,
                requested_at=now,
                heartbeat_at=now,
                events_replayed=0,
            )
            session.add(generation)
            await session.commit()
            await session.refresh(generation)
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.create_task(
            self.run(generation.generation), name=f"rebuild-{generation.generation}"
        )
        return generation

    async def wait(self) -> None:
        """Until the rebuild this process runs (if any) has finished."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self, generation: int) -> None:
        try:
            replayed = await self._replay_imported(generation)
            replayed += await self._replay_streams(generation, replayed)
            await self._activate(generation, replayed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("rebuild of generation %d failed", generation)
            async with self.db.session() as session:
                await session.execute(
                    update(Generation)
                    .where(Generation.generation == generation)
                    .values(
                        state=GenerationState.failed, finished_at=utcnow(), error=repr(exc)[:500]
                    )
                )
                await session.commit()

    async def _apply(self, generation: int, events: Sequence[CloudEvent], replayed: int) -> None:
        async with self.db.session() as session:
            facts = [fact for event in events for fact in facts_of(event)]
            if facts:
                await write_facts(session, facts, [generation])
            await session.execute(
                update(Generation)
                .where(Generation.generation == generation)
                .values(heartbeat_at=utcnow(), events_replayed=replayed)
            )
            await session.commit()

    async def _replay_imported(self, generation: int) -> int:
        replayed, after = 0, 0
        while True:
            async with self.db.session() as session:
                rows = (
                    await session.execute(
                        select(ImportedEvent.sequence, ImportedEvent.payload)
                        .where(ImportedEvent.sequence > after)
                        .order_by(ImportedEvent.sequence)
                        .limit(self.batch_size)
                    )
                ).all()
            if not rows:
                return replayed
            after = rows[-1][0]
            events = [parse_event(payload) for _, payload in rows]
            replayed += len(events)
            await self._apply(generation, events, replayed)

    async def _replay_streams(self, generation: int, replayed: int) -> int:
        if self.nats_url is None:
            return 0
        nc = await bus.connect(self.nats_url, name=f"reporting-api-rebuild-{generation}")
        try:
            js = nc.jetstream()
            total = 0
            for stream in STREAM_EVENTS:
                total += await self._replay_stream(js, stream, generation, replayed + total)
            return total
        finally:
            with contextlib.suppress(Exception):
                await nc.close()

    async def _replay_stream(self, js: object, stream: str, generation: int, replayed: int) -> int:
        try:
            info = await js.stream_info(stream)  # type: ignore[attr-defined]
        except NotFoundError:
            return 0
        last = info.state.last_seq
        if info.state.messages == 0:
            return 0
        name = f"reporting-rebuild-{generation}-{stream.lower()}"
        await js.add_consumer(  # type: ignore[attr-defined]
            stream,
            ConsumerConfig(
                name=name,
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.ALL,
                max_ack_pending=self.batch_size * 2,
                inactive_threshold=60.0,
                mem_storage=True,
            ),
        )
        sub = await js.pull_subscribe_bind(stream=stream, name=name)  # type: ignore[attr-defined]
        count = 0

        def fetch() -> asyncio.Task[list[Msg]]:
            return asyncio.create_task(sub.fetch(self.batch_size, timeout=FETCH_SECONDS))

        # the next batch is fetched while this one is written (the consumer allows two batches
        # unacknowledged): the server reads and sends it meanwhile
        fetching: asyncio.Task[list[Msg]] | None = fetch()
        try:
            while fetching is not None:
                try:
                    msgs = await fetching
                except (nats.errors.TimeoutError, TimeoutError):
                    return count  # nothing left (a stream whose last messages were deleted)
                done = (
                    msgs[-1].metadata.sequence.stream >= last or not msgs[-1].metadata.num_pending
                )
                fetching = None if done else fetch()
                events = []
                for msg in msgs:
                    try:
                        events.append(parse_event(msg.data))
                    except UnknownEventType:
                        continue  # newer than this reader: the live consumer ignores it too
                    except ValueError:
                        log.warning("rebuild skips an unreadable message on %s", msg.subject)
                count += len(msgs)
                await self._apply(generation, events, replayed + count)
                await msgs[-1].ack()
            return count
        finally:
            if fetching is not None:
                fetching.cancel()
                with contextlib.suppress(BaseException):
                    await fetching
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
            with contextlib.suppress(Exception):
                await js.delete_consumer(stream, name)  # type: ignore[attr-defined]

    async def _activate(self, generation: int, replayed: int) -> None:
        now = utcnow()
        async with self.db.session() as session:
            await session.execute(
                update(Generation)
                .where(Generation.state == GenerationState.active)
                .values(state=GenerationState.retired, finished_at=now)
            )
            await session.execute(
                update(Generation)
                .where(Generation.generation == generation)
                .values(
                    state=GenerationState.active,
                    activated_at=now,
                    finished_at=now,
                    heartbeat_at=now,
                    events_replayed=replayed,
                )
            )
            await session.commit()
        log.info("generation %d is active: %d events replayed", generation, replayed)
        async with self.db.session() as session:
            if session.get_bind().dialect.name == "postgresql":
                # the planner's statistics still describe the tables before the replay: without
                # this, the first reports can take a plan made for empty tables (seconds, not ms)
                for table in FACT_TABLES:
                    await session.execute(text(f"ANALYZE {table.name}"))
                await session.commit()

    async def forget_old(self, now: datetime | None = None) -> bool:
        """Delete the facts of generations retired or failed more than `FORGET_AFTER` ago (a
        report that began reading one just before the swap finishes first); their rows stay,
        as the record of each rebuild. False: nothing more to do now."""
        cutoff = (now or utcnow()) - FORGET_AFTER
        async with self.db.session() as session:
            old = list(
                await session.scalars(
                    select(Generation.generation).where(
                        Generation.state.in_((GenerationState.retired, GenerationState.failed)),
                        Generation.finished_at < cutoff,
                        Generation.forgotten_at.is_(None),
                    )
                )
            )
            if not old:
                return False
            for table in FACT_TABLES:
                await session.execute(delete(table).where(table.c.generation.in_(old)))
            await session.execute(
                update(Generation)
                .where(Generation.generation.in_(old))
                .values(forgotten_at=utcnow())
            )
            await session.commit()
        log.info("deleted the facts of generations %s", old)
        return False
