"""The idempotent consumer (inbox), against a real NATS JetStream server and database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from kit_fixture_support import (
    RecordingConsumer,
    add_note,
    closed_event,
    count,
    eventually,
    kit,
    notes,
    withdrawn_event,
)
from nats.aio.client import Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from servicekit.crypto import FieldCipher
from servicekit.db import Database
from servicekit.inbox import Disposition, PermanentFailure, Subscription
from servicekit_testing.nats import NatsServer

pytestmark = [pytest.mark.db, pytest.mark.nats]

WITHDRAWN = "referral.withdrawn.v1"
FAST = (0.05, 0.05, 0.05, 0.05, 0.05)
Handler = Callable[[AsyncSession, Any], Awaitable[None]]


def make_consumer(
    db: Database, server: NatsServer, handler: Handler, **options: Any
) -> RecordingConsumer:
    subscription = Subscription(
        stream="REFERRAL", durable="kit-test", handlers={WITHDRAWN: handler}
    )
    options.setdefault("backoff", FAST)
    return RecordingConsumer(db, kit, server.url, [subscription], name="kit-test", **options)


@contextlib.asynccontextmanager
async def running(consumer: RecordingConsumer) -> AsyncIterator[RecordingConsumer]:
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def publish(nc: Client, event: CloudEvent | bytes, msg_id: str | None = None) -> None:
    payload = event if isinstance(event, bytes) else event.to_json()
    default_id = str(uuid.uuid4()) if isinstance(event, bytes) else str(event.id)
    await nc.jetstream().publish(WITHDRAWN, payload, headers={"Nats-Msg-Id": msg_id or default_id})


async def note_writer(session: AsyncSession, event: Any) -> None:
    await add_note(session, f"withdrawn {event.data.referral_id}")


async def settled(nc: Client) -> bool:
    """Nothing waiting and nothing unacknowledged on the consumer."""
    info = await nc.jetstream().consumer_info("REFERRAL", "kit-test")
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


async def dead_letters(db: Database) -> list[Any]:
    async with db.session() as session:
        return list((await session.execute(select(kit.dead_letters))).all())


async def test_a_handler_that_fails_twice_applies_its_effect_exactly_once(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    calls = 0

    async def flaky(session: AsyncSession, event: Any) -> None:
        nonlocal calls
        calls += 1
        await note_writer(session, event)  # written, then rolled back on the failures
        if calls <= 2:
            raise ConnectionError("provider directory timed out")

    event = withdrawn_event()
    async with running(make_consumer(db, own_nats_server, flaky)) as consumer:
        await publish(nc, event)
        await eventually(lambda: _rows(db, 1), what="the effect to be applied")
        await eventually(lambda: settled(nc), what="the message to be acknowledged")
        await asyncio.sleep(0.2)

    assert calls == 3
    assert consumer.dispositions_of(event) == [
        Disposition.retry,
        Disposition.retry,
        Disposition.applied,
    ]
    assert await count(db, notes) == 1
    assert await count(db, kit.inbox, kit.inbox.c.event_id == event.id) == 1
    assert await dead_letters(db) == []


async def test_a_redelivered_event_is_a_no_op(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    event = withdrawn_event()
    async with running(make_consumer(db, own_nats_server, note_writer)) as consumer:
        await publish(nc, event)
        await eventually(lambda: _rows(db, 1), what="the first copy to be applied")
        # the same event again under another message id, so JetStream stores it a second time
        await publish(nc, event, msg_id=f"{event.id}-again")
        await eventually(lambda: _dispositions(consumer, event, 2), what="the second copy")
        await eventually(lambda: settled(nc), what="both copies to be acknowledged")

    assert consumer.dispositions_of(event) == [Disposition.applied, Disposition.duplicate]
    assert await count(db, notes) == 1
    assert await count(db, kit.inbox) == 1


POISON = [b"{not json at all", json.dumps({"hello": "world"}).encode(), b""]


async def test_poison_messages_are_dead_lettered_and_terminated(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    good = withdrawn_event()
    async with running(make_consumer(db, own_nats_server, note_writer, ack_wait=1)) as consumer:
        for payload in POISON:  # invalid JSON, JSON that is not a CloudEvent, nothing at all
            await publish(nc, payload)
        await publish(nc, good)  # the consumer is not stuck behind the poison
        await eventually(lambda: _rows(db, 1), what="the good event after the poison")
        await eventually(lambda: settled(nc), what="the poison to be terminated")
        await asyncio.sleep(1.3)  # past ack_wait: a terminated message is never redelivered
        assert await settled(nc)

    dead = sorted(await dead_letters(db), key=lambda row: POISON.index(row.payload.encode()))
    assert [row.payload.encode() for row in dead] == POISON
    for row in dead:
        assert row.event_id is None
        assert row.subject == WITHDRAWN
        assert row.consumer == "kit-test"
        assert row.deliveries == 1
        assert row.error.startswith("unreadable event")
    for payload in POISON:
        assert [o for d, o in consumer.dispositions if d == payload] == [Disposition.dead_letter]
    assert consumer.dispositions_of(good) == [Disposition.applied]


async def test_an_event_of_an_unknown_newer_type_is_skipped_not_retried(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    future = json.loads(withdrawn_event().to_json())
    future["type"] = "referral.withdrawn.v9"
    payload = json.dumps(future).encode()
    good = withdrawn_event()
    async with running(make_consumer(db, own_nats_server, note_writer, ack_wait=1)) as consumer:
        await publish(nc, payload)
        await publish(nc, good)
        await eventually(lambda: _rows(db, 1), what="the known event after the unknown one")
        await eventually(lambda: settled(nc), what="the unknown event to be acknowledged")
    assert [o for d, o in consumer.dispositions if d == payload] == [Disposition.ignored]
    assert consumer.dispositions_of(good) == [Disposition.applied]


async def test_an_event_type_without_a_handler_is_acknowledged_and_ignored(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    other = closed_event()
    async with running(make_consumer(db, own_nats_server, note_writer)) as consumer:
        await nc.jetstream().publish(
            other.type, other.to_json(), headers={"Nats-Msg-Id": str(other.id)}
        )
        await eventually(lambda: _dispositions(consumer, other, 1), what="the other event")
        await eventually(lambda: settled(nc), what="the other event to be acknowledged")
    assert consumer.dispositions_of(other) == [Disposition.ignored]
    assert await count(db, kit.inbox) == 0
    assert await dead_letters(db) == []


async def test_permanent_failure_dead_letters_at_once(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    calls = 0

    async def refuses(session: AsyncSession, event: Any) -> None:
        nonlocal calls
        calls += 1
        await note_writer(session, event)
        raise PermanentFailure("referral is already closed")

    event = withdrawn_event()
    async with running(make_consumer(db, own_nats_server, refuses)) as consumer:
        await publish(nc, event)
        await eventually(lambda: _dispositions(consumer, event, 1), what="the event to be handled")
        await eventually(lambda: settled(nc), what="the message to be terminated")
        await asyncio.sleep(0.3)

    assert calls == 1
    assert consumer.dispositions_of(event) == [Disposition.dead_letter]
    [dead] = await dead_letters(db)
    assert dead.event_id == str(event.id)
    assert dead.error == "referral is already closed"
    assert dead.deliveries == 1
    assert dead.replayed_at is None
    assert json.loads(dead.payload)["id"] == str(event.id)
    assert await count(db, notes) == 0
    assert await count(db, kit.inbox) == 0


async def test_a_handler_that_always_fails_is_dead_lettered_after_max_deliver(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    calls = 0

    async def broken(session: AsyncSession, event: Any) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("bug in handler")

    event = withdrawn_event()
    async with running(make_consumer(db, own_nats_server, broken, max_deliver=3)) as consumer:
        await publish(nc, event)
        await eventually(lambda: _dispositions(consumer, event, 3), what="three deliveries")
        await eventually(lambda: settled(nc), what="the message to be terminated")
        await asyncio.sleep(0.3)

    assert calls == 3
    assert consumer.dispositions_of(event) == [
        Disposition.retry,
        Disposition.retry,
        Disposition.dead_letter,
    ]
    [dead] = await dead_letters(db)
    assert dead.deliveries == 3
    assert "bug in handler" in dead.error
    assert await count(db, kit.inbox) == 0


async def test_replaying_a_dead_letter_after_the_fix_applies_it_once(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    fixed = False

    async def until_fixed(session: AsyncSession, event: Any) -> None:
        await note_writer(session, event)
        if not fixed:
            raise PermanentFailure("rule set missing")

    event = withdrawn_event()
    consumer = make_consumer(db, own_nats_server, until_fixed)
    async with running(consumer):
        await publish(nc, event)
        await eventually(lambda: _dispositions(consumer, event, 1), what="the dead letter")
    [dead] = await dead_letters(db)
    assert await count(db, notes) == 0

    fixed = True
    assert await consumer.replay_dead_letter(dead.id) == Disposition.applied
    assert await count(db, notes) == 1
    assert await count(db, kit.inbox, kit.inbox.c.event_id == event.id) == 1
    [replayed] = await dead_letters(db)
    assert replayed.replayed_at is not None

    assert await consumer.replay_dead_letter(dead.id) == Disposition.duplicate  # a second replay
    assert await count(db, notes) == 1


async def test_a_consumer_killed_mid_message_gets_it_again_and_applies_it_once(
    db_url: str, cipher: FieldCipher, nc: Client, own_nats_server: NatsServer
) -> None:
    entered = asyncio.Event()

    async def hangs(session: AsyncSession, event: Any) -> None:
        await note_writer(session, event)  # written but not yet committed...
        entered.set()
        await asyncio.Event().wait()  # ...when the process dies

    event = withdrawn_event()
    first_db = Database(db_url, cipher=cipher)
    first = make_consumer(first_db, own_nats_server, hangs, ack_wait=1)
    await first.start()
    try:
        await publish(nc, event)
        await asyncio.wait_for(entered.wait(), timeout=5)
    finally:
        await first.stop()
        await first_db.dispose()
    assert first.dispositions_of(event) == []  # never finished, never acknowledged

    second_db = Database(db_url, cipher=cipher)  # a new process: new engine, new NATS connection
    try:
        assert await count(second_db, notes) == 0  # the half-done work was rolled back
        second = make_consumer(second_db, own_nats_server, note_writer, ack_wait=1)
        async with running(second):
            await eventually(lambda: _rows(second_db, 1), what="the redelivered event")
            await eventually(lambda: settled(nc), what="the redelivery to be acknowledged")
            await asyncio.sleep(1.3)  # past ack_wait: nothing further arrives
        assert second.dispositions_of(event) == [Disposition.applied]
        assert await count(second_db, notes) == 1
        assert await count(second_db, kit.inbox) == 1
        async with second_db.session() as session:
            body = await session.scalar(select(notes.c.body))
        assert body == f"withdrawn {event.data.referral_id}"
    finally:
        await second_db.dispose()


async def _rows(db: Database, expected: int) -> bool:
    return await count(db, notes) >= expected


async def _dispositions(consumer: RecordingConsumer, event: CloudEvent, expected: int) -> bool:
    return len(consumer.dispositions_of(event)) >= expected
