"""The transactional outbox and its relay to JetStream.

A service writes its change and its events in one transaction (`add_event`). The relay publishes
unsent rows with `Nats-Msg-Id` = event id and marks them sent, so an event is never lost when
NATS is down and never duplicated on the bus when the relay retries.

A published row is kept for `keep_published_seconds` (an hour by default), long enough to look
into a delivery, then deleted: JetStream holds the event from then on, and its payload (a
referral's ethnicity, age and area, say) should not sit in a second store for longer. Rows not
yet published are never deleted, however old.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from servicekit import bus
from servicekit.db import Database, is_sqlite, utcnow
from servicekit.retrying import Retry, keep_trying
from servicekit.tables import KitTables
from servicekit.writes import stage

log = logging.getLogger(__name__)


async def add_event(session: AsyncSession, tables: KitTables, event: CloudEvent) -> None:
    """Stage `event` in the caller's transaction; it is published after commit."""
    # written with the transaction's commit, together with its other staged rows
    stage(
        session,
        tables.outbox,
        {
            "id": event.id,
            "subject": event.type,
            "payload": event.to_json().decode(),
            "created_at": utcnow(),
            "attempts": 0,
        },
    )
    session.info["events_written"] = True


class OutboxRelay:
    """Publishes outbox rows to JetStream; woken on commit, polling only as a safety net."""

    def __init__(
        self,
        db: Database,
        tables: KitTables,
        nats_url: str | None,
        *,
        producer: str,
        poll_seconds: float = 1.0,
        batch_size: int = 200,
        ack_timeout: float = 5.0,
        stream_replicas: int = 1,
        keep_published_seconds: float = 3600.0,
        purge_every_seconds: float = 60.0,
    ) -> None:
        self.db = db
        self.tables = tables
        self.nats_url = nats_url
        self.producer = producer
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.ack_timeout = ack_timeout
        self.stream_replicas = stream_replicas
        self.keep_published_seconds = keep_published_seconds
        self.purge_every_seconds = purge_every_seconds
        self._next_purge = 0.0
        self._wake = asyncio.Event()
        self._nc: Client | None = None
        # one JetStream context per connection: each new context's first publish_async
        # subscribes a reply inbox that is never released
        self._js: JetStreamContext | None = None
        self._task: asyncio.Task[None] | None = None
        self._streams_ready = False
        db.on_events_committed(self.wake)

    STOP_SECONDS = 5.0

    def wake(self) -> None:
        self._wake.set()

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def start(self) -> None:
        if self.nats_url is None:
            log.warning("no NATS configured: events stay in the outbox until one is")
            return
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.producer}")

    async def stop(self) -> None:
        """Stop publishing; a relay stuck mid-batch is abandoned after a few seconds, so a
        shutdown never waits for ever (unsent rows stay in the outbox for the next start)."""
        timeout = self.STOP_SECONDS
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout)
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._nc.close(), timeout)

    async def _ensure_connected(self) -> Client:
        if self._nc is None:
            assert self.nats_url is not None
            self._nc = await bus.connect(self.nats_url, name=f"{self.producer}-outbox")
        if self._js is None:
            self._js = self._nc.jetstream()
        if not self._streams_ready:
            await bus.ensure_streams(self._js, self.producer, replicas=self.stream_replicas)
            self._streams_ready = True
        return self._nc

    async def _run(self) -> None:
        await keep_trying(self._pass, Retry("outbox relay", "could not publish", log))

    async def _pass(self) -> None:
        """Publish what waits, purge what was published long enough ago, then wait to be woken
        (or for the next poll)."""
        await self._ensure_connected()
        # a short batch emptied the outbox as it was read; anything committed since has set the
        # wake event again, so the wait below returns at once for it
        while await self.drain() >= self.batch_size:
            pass
        if time.monotonic() >= self._next_purge:
            await self.purge_published()
            self._next_purge = time.monotonic() + self.purge_every_seconds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
        self._wake.clear()

    async def drain(self) -> int:
        """Publish one batch of pending events; returns how many were published."""
        await self._ensure_connected()
        js = self._js
        assert js is not None
        self._wake.clear()
        if is_sqlite(self.db.url):
            # One writer connection per process: never hold it while waiting on NATS.
            async with self.db.session() as session:
                rows = await self._pending_rows(session, lock=False)
            if not rows:
                return 0
            sent, failed = await self._publish(js, rows)
            async with self.db.session() as session:
                await self._mark(session, sent, failed)
                await session.commit()
        else:
            # Several relay instances share the table: SKIP LOCKED splits the work.
            async with self.db.session() as session:
                rows = await self._pending_rows(session, lock=True)
                if not rows:
                    return 0
                sent, failed = await self._publish(js, rows)
                await self._mark(session, sent, failed)
                await session.commit()
        if failed:
            raise RuntimeError(f"{len(failed)} events could not be published: {failed[0][1]}")
        return len(sent)

    async def _pending_rows(self, session: AsyncSession, *, lock: bool) -> list[Row[Any, Any, Any]]:
        outbox = self.tables.outbox
        query = (
            select(outbox.c.id, outbox.c.subject, outbox.c.payload)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.created_at)
            .limit(self.batch_size)
        )
        if lock:
            query = query.with_for_update(skip_locked=True)
        return list((await session.execute(query)).all())

    async def _publish(
        self, js: JetStreamContext, rows: list[Row[Any, Any, Any]]
    ) -> tuple[list[uuid.UUID], list[tuple[uuid.UUID, str]]]:
        futures = [
            await js.publish_async(
                row.subject, row.payload.encode(), headers={"Nats-Msg-Id": str(row.id)}
            )
            for row in rows
        ]
        try:
            results = await asyncio.wait_for(
                asyncio.gather(*futures, return_exceptions=True), timeout=self.ack_timeout
            )
        except TimeoutError:
            for future in futures:
                future.cancel()
            results = [TimeoutError("no acknowledgement from JetStream")] * len(rows)
        sent: list[uuid.UUID] = []
        failed: list[tuple[uuid.UUID, str]] = []
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                failed.append((row.id, str(result) or type(result).__name__))
            else:
                sent.append(row.id)
        return sent, failed

    async def _mark(
        self,
        session: AsyncSession,
        sent: list[uuid.UUID],
        failed: list[tuple[uuid.UUID, str]],
    ) -> None:
        outbox = self.tables.outbox
        if sent:
            await session.execute(
                update(outbox)
                .where(outbox.c.id.in_(sent))
                .values(published_at=utcnow(), attempts=outbox.c.attempts + 1)
            )
        for event_id, error in failed:
            await session.execute(
                update(outbox)
                .where(outbox.c.id == event_id)
                .values(attempts=outbox.c.attempts + 1, last_error=error[:500])
            )

    async def purge_published(self) -> int:
        """Delete rows published more than `keep_published_seconds` ago; returns how many."""
        return await self.db.delete_older_than(
            self.tables.outbox.c.published_at, self.keep_published_seconds
        )

    async def pending(self) -> int:
        async with self.db.session() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(self.tables.outbox)
                .where(self.tables.outbox.c.published_at.is_(None))
            )
            return int(count or 0)
