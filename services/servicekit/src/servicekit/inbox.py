"""The idempotent consumer: durable pull consumers, an inbox table, ack after commit.

Each handler's effects and the inbox row naming the event commit in one transaction, then the
message is acked; a redelivery finds the inbox row and does nothing. Transient failures are
retried with backoff by JetStream; a message that can never succeed, or that has used up its
deliveries, is terminated and kept in the dead-letter table for an operator to inspect and replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent, UnknownEventType, parse_event
from servicekit import bus
from servicekit.db import Database, utcnow
from servicekit.logs import log_event
from servicekit.retrying import Retry, keep_trying
from servicekit.tables import KitTables

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Any], Awaitable[None]]


class PermanentFailure(Exception):
    """The event can never be applied (for example it contradicts this service's state)."""


@dataclass(frozen=True)
class Subscription:
    """One durable pull consumer on one stream."""

    stream: str
    durable: str
    handlers: Mapping[str, Handler]  # event type -> handler


class Disposition(StrEnum):
    """What became of one message: applied, already applied, ignored (no handler, or a type
    newer than this reader), left for a retry, or dead-lettered."""

    applied = "applied"
    duplicate = "duplicate"
    ignored = "ignored"
    retry = "retry"
    dead_letter = "dead_letter"


class EventConsumer:
    def __init__(
        self,
        db: Database,
        tables: KitTables,
        nats_url: str | None,
        subscriptions: list[Subscription],
        *,
        name: str,
        max_deliver: int = 6,
        backoff: tuple[float, ...] = (0.5, 2.0, 10.0, 30.0, 60.0),
        batch_size: int = 100,
        ack_wait: float = 30.0,
        stream_replicas: int = 1,
    ) -> None:
        self.db = db
        self.tables = tables
        self.nats_url = nats_url
        self.subscriptions = subscriptions
        self.name = name
        self.max_deliver = max_deliver
        self.backoff = backoff
        self.batch_size = batch_size
        self.ack_wait = ack_wait
        self.stream_replicas = stream_replicas
        self._nc: Client | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    def consumer_config(self, subscription: Subscription) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=subscription.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=self.max_deliver,
            ack_wait=self.ack_wait,
            max_ack_pending=1000,
        )

    async def start(self) -> None:
        if self.nats_url is None:
            log.warning("no NATS configured: %s consumes nothing", self.name)
            return
        for subscription in self.subscriptions:
            self._tasks.append(
                asyncio.create_task(
                    self._run(subscription), name=f"consumer-{subscription.durable}"
                )
            )

    async def stop(self) -> None:
        for task in self._tasks:
            # nats-py's fetch can lose a cancellation that lands as its wait times out (it then
            # fetches again): cancel until the task has really ended
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=0.5)
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()
            self._nc = None

    async def _connect(self) -> Client:
        if self._nc is None:
            assert self.nats_url is not None
            self._nc = await bus.connect(self.nats_url, name=self.name)
        return self._nc

    async def _run(self, subscription: Subscription) -> None:
        retry = Retry(f"consumer {subscription.durable}", "interrupted", log)

        async def bind_and_consume() -> None:
            nc = await self._connect()
            js = nc.jetstream()
            await bus.ensure_streams(js, replicas=self.stream_replicas, update=False)
            await self._ensure_consumer(js, subscription)
            sub = await js.pull_subscribe_bind(
                durable=subscription.durable, stream=subscription.stream
            )
            retry.working()
            await self._consume(sub, subscription)

        await keep_trying(bind_and_consume, retry)

    async def _ensure_consumer(self, js: Any, subscription: Subscription) -> None:
        """Create the durable consumer, or bring an existing one's settings up to date."""
        config = self.consumer_config(subscription)
        try:
            await js.consumer_info(subscription.stream, subscription.durable)
        except nats.js.errors.NotFoundError:
            with contextlib.suppress(nats.js.errors.BadRequestError):  # a sibling made it first
                await js.add_consumer(subscription.stream, config)
                return
        await js.add_consumer(subscription.stream, config)

    async def _consume(self, sub: Any, subscription: Subscription) -> None:
        while True:
            # A batch-of-one lingering fetch returns the moment a message arrives; when the
            # stream has more waiting, a larger fetch takes them without another wait.
            try:
                msgs = await sub.fetch(1, timeout=5)
            except (nats.errors.TimeoutError, TimeoutError):
                continue
            pending = msgs[-1].metadata.num_pending if msgs else 0
            if pending:
                with contextlib.suppress(nats.errors.TimeoutError, TimeoutError):
                    msgs += await sub.fetch(min(pending, self.batch_size - 1), timeout=1)
            for msg in msgs:
                await self.process(msg, subscription)

    async def process(self, msg: Msg, subscription: Subscription) -> Disposition:
        """Apply one message exactly once, then ack, nak with backoff, or dead-letter it; log
        one line saying which (`logs.log_event`)."""
        started = time.perf_counter()
        event: CloudEvent | None = None
        ended = "failed"  # unless it ends one of the ways below

        def read(event_read: CloudEvent) -> CloudEvent:
            nonlocal event
            event = event_read
            return event_read

        try:
            disposition = await self._process(msg, subscription, read)
            ended = disposition.value
            return disposition
        finally:
            known: CloudEvent | None = event
            log_event(
                consumer=self.name,
                event_type=known.type if known else None,
                event_id=str(known.id) if known else None,
                referral_id=known.subject if known else None,
                outcome=ended,
                started=started,
            )

    async def _process(
        self, msg: Msg, subscription: Subscription, read: Callable[[CloudEvent], CloudEvent]
    ) -> Disposition:
        deliveries = msg.metadata.num_delivered if msg.metadata else 1
        try:
            event = read(parse_event(msg.data))
        except UnknownEventType as exc:
            # Newer than this reader (a new type is published beside the old): like a type
            # this consumer has no handler for, acknowledge it rather than retry forever.
            log.info("ignoring event on %s: %s", msg.subject, exc)
            await msg.ack()
            return Disposition.ignored
        except ValidationError as exc:
            await self._dead_letter(msg, None, subscription, f"unreadable event: {exc}", deliveries)
            await msg.term()
            return Disposition.dead_letter
        handler = subscription.handlers.get(event.type)
        if handler is None:
            await msg.ack()
            return Disposition.ignored
        try:
            disposition = await self.apply(event, handler, subject=msg.subject)
        except PermanentFailure as exc:
            await self._dead_letter(msg, event, subscription, str(exc), deliveries)
            await msg.term()
            return Disposition.dead_letter
        except Exception as exc:
            if deliveries >= self.max_deliver:
                await self._dead_letter(msg, event, subscription, repr(exc), deliveries)
                await msg.term()
                return Disposition.dead_letter
            delay = self.backoff[min(deliveries - 1, len(self.backoff) - 1)]
            log.warning(
                "event %s failed (delivery %d), retrying in %.1fs: %r",
                event.id,
                deliveries,
                delay,
                exc,
            )
            await msg.nak(delay=delay)
            return Disposition.retry
        await msg.ack()
        return disposition

    async def apply(self, event: CloudEvent, handler: Handler, *, subject: str) -> Disposition:
        """Run `handler` and record the event in the inbox, in one transaction."""
        inbox = self.tables.inbox
        async with self.db.session() as session:
            seen = await session.scalar(
                select(inbox.c.event_id).where(
                    inbox.c.event_id == event.id, inbox.c.consumer == self.name
                )
            )
            if seen is not None:
                return Disposition.duplicate
            await handler(session, event)
            await session.execute(
                insert(inbox).values(
                    event_id=event.id, consumer=self.name, subject=subject, processed_at=utcnow()
                )
            )
            await session.commit()
        return Disposition.applied

    async def _dead_letter(
        self,
        msg: Msg,
        event: CloudEvent | None,
        subscription: Subscription,
        error: str,
        deliveries: int,
    ) -> None:
        log.error(
            "event on %s dead-lettered after %d deliveries: %s", msg.subject, deliveries, error
        )
        async with self.db.session() as session:
            await session.execute(
                insert(self.tables.dead_letters).values(
                    id=uuid.uuid4(),
                    event_id=str(event.id) if event else None,
                    consumer=self.name,
                    subject=msg.subject,
                    payload=msg.data.decode(errors="replace"),
                    error=error[:4000],
                    deliveries=deliveries,
                    failed_at=utcnow(),
                )
            )
            await session.commit()

    async def replay_dead_letter(self, dead_letter_id: uuid.UUID) -> Disposition:
        """Apply a dead-lettered event again (after the cause is fixed) and mark it replayed."""
        table = self.tables.dead_letters
        async with self.db.session() as session:
            row = (await session.execute(select(table).where(table.c.id == dead_letter_id))).one()
        event = parse_event(row.payload)
        handler = next(
            (s.handlers[event.type] for s in self.subscriptions if event.type in s.handlers), None
        )
        if handler is None:
            raise PermanentFailure(f"no handler for {event.type}")
        disposition = await self.apply(event, handler, subject=row.subject)
        async with self.db.session() as session:
            await session.execute(
                update(table).where(table.c.id == dead_letter_id).values(replayed_at=utcnow())
            )
            await session.commit()
        return disposition
