"""The transactional outbox and its relay, against a real NATS JetStream server and database."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from kit_fixture_support import (
    PRODUCER,
    add_note,
    count,
    eventually,
    kit,
    notes,
    stream_messages,
    withdrawn_event,
)
from nats.aio.client import Client
from sqlalchemy import select, update

from servicekit import bus
from servicekit.db import Database, utcnow
from servicekit.outbox import OutboxRelay, add_event
from servicekit_testing.nats import NatsServer

pytestmark = [pytest.mark.db, pytest.mark.nats]


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[OutboxRelay]:
    await relay.start()
    try:
        yield relay
    finally:
        await relay.stop()


async def test_rolled_back_event_is_never_published_and_committed_one_is_published_once(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    lost, kept = withdrawn_event(), withdrawn_event()
    async with db.session() as session:
        await add_note(session, "abandoned")
        await add_event(session, kit, lost)
        await session.rollback()
    async with db.session() as session:
        await add_note(session, "saved")
        await add_event(session, kit, kept)
        await session.commit()

    relay = OutboxRelay(db, kit, own_nats_server.url, producer=PRODUCER, poll_seconds=30)
    async with running(relay):
        await eventually(lambda: _stream_size(nc, 1), what="the committed event on the stream")
        await asyncio.sleep(0.2)  # give a wrongly published second event time to show up

    messages = await stream_messages(nc)
    assert len(messages) == 1
    assert messages[0].headers is not None
    assert messages[0].headers["Nats-Msg-Id"] == str(kept.id)
    assert messages[0].subject == "referral.withdrawn.v1"
    assert messages[0].data == kept.to_json()
    assert await count(db, kit.outbox) == 1
    assert await count(db, kit.outbox, kit.outbox.c.published_at.is_not(None)) == 1
    assert await count(db, notes) == 1


async def test_a_jetstream_consumer_receives_the_event_with_its_id_as_msg_id(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    event = withdrawn_event()
    sub = await nc.jetstream().pull_subscribe("referral.withdrawn.v1", stream="REFERRAL")
    async with db.session() as session:
        await add_event(session, kit, event)
        await session.commit()
    relay = OutboxRelay(db, kit, own_nats_server.url, producer=PRODUCER, poll_seconds=30)
    async with running(relay):
        [msg] = await sub.fetch(1, timeout=5)
    await msg.ack()
    assert msg.headers is not None and msg.headers["Nats-Msg-Id"] == str(event.id)
    assert msg.data == event.to_json()
    assert msg.metadata.num_delivered == 1
    await sub.unsubscribe()


async def test_relay_wakes_on_commit_instead_of_waiting_for_the_poll(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    relay = OutboxRelay(db, kit, own_nats_server.url, producer=PRODUCER, poll_seconds=30)
    async with running(relay):
        # let the relay connect, drain the (empty) outbox and go to sleep for its 30 s poll
        await eventually(lambda: _true(relay.connected), what="the relay to connect")
        await asyncio.sleep(0.3)
        event = withdrawn_event()
        started = time.monotonic()
        async with db.session() as session:
            await add_event(session, kit, event)
            await session.commit()
        await eventually(lambda: _stream_size(nc, 1), within=2, what="the event on the stream")
        elapsed = time.monotonic() - started
    assert elapsed < 0.5, f"event took {elapsed:.2f}s to reach the stream"
    [message] = await stream_messages(nc)
    assert message.headers is not None and message.headers["Nats-Msg-Id"] == str(event.id)


async def test_writes_succeed_while_nats_is_down_and_flow_once_it_is_back(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    relay = OutboxRelay(
        db, kit, own_nats_server.url, producer=PRODUCER, poll_seconds=0.2, ack_timeout=0.5
    )
    async with running(relay):
        before = withdrawn_event()
        async with db.session() as session:
            await add_event(session, kit, before)
            await session.commit()
        await eventually(lambda: _stream_size(nc, 1), what="the first event on the stream")

        own_nats_server.stop()
        events = [withdrawn_event() for _ in range(3)]
        for event in events:  # each write is a request that must still succeed
            async with db.session() as session:
                await add_note(session, f"while down {event.id}")
                await add_event(session, kit, event)
                await session.commit()
        await asyncio.sleep(1.0)  # the relay tries, and fails, to publish meanwhile
        assert await relay.pending() == 3
        assert await count(db, notes) == 3
        outbox = kit.outbox.c
        failed_tries = await count(
            db, kit.outbox, outbox.published_at.is_(None), outbox.last_error.is_not(None)
        )

        own_nats_server.start()
        await eventually(lambda: _pending_is(relay, 0), within=20, what="the relay to catch up")

    messages = await stream_messages(nc)
    ids = [m.headers["Nats-Msg-Id"] for m in messages if m.headers]
    assert sorted(ids) == sorted(str(e.id) for e in [before, *events])
    assert len(messages) == 4  # each exactly once, even though some were sent more than once
    assert failed_tries >= 1, "the relay should have tried, and failed, while NATS was down"


async def test_relay_started_while_nats_is_down_publishes_when_it_comes_up(
    db: Database, own_nats_server: NatsServer
) -> None:
    own_nats_server.stop()
    events = [withdrawn_event() for _ in range(2)]
    async with db.session() as session:
        for event in events:
            await add_event(session, kit, event)
        await session.commit()
    relay = OutboxRelay(db, kit, own_nats_server.url, producer=PRODUCER, poll_seconds=0.2)
    async with running(relay):
        await asyncio.sleep(0.3)
        assert not relay.connected
        assert await relay.pending() == 2
        own_nats_server.start()
        await eventually(lambda: _pending_is(relay, 0), within=20, what="the relay to publish")
    client = await _client(own_nats_server)
    try:
        messages = await stream_messages(client)
    finally:
        await client.close()
    assert sorted(m.headers["Nats-Msg-Id"] for m in messages if m.headers) == sorted(
        str(e.id) for e in events
    )


async def test_republishing_a_row_after_a_crash_before_marking_leaves_one_message(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    event = withdrawn_event()
    async with db.session() as session:
        await add_event(session, kit, event)
        await session.commit()
    relay = OutboxRelay(db, kit, own_nats_server.url, producer=PRODUCER)
    try:
        assert await relay.drain() == 1
        assert await relay.drain() == 0  # marked sent: not published again
        # the crash: published, but the mark was lost with the process
        async with db.session() as session:
            await session.execute(
                update(kit.outbox).where(kit.outbox.c.id == event.id).values(published_at=None)
            )
            await session.commit()
        assert await relay.pending() == 1
        assert await relay.drain() == 1
    finally:
        await relay.stop()

    messages = await stream_messages(nc)
    assert len(messages) == 1
    assert messages[0].headers is not None and messages[0].headers["Nats-Msg-Id"] == str(event.id)
    async with db.session() as session:
        row = (await session.execute(select(kit.outbox))).one()
    assert row.published_at is not None
    assert row.attempts == 2


async def test_publishing_many_batches_holds_one_reply_subscription(
    db: Database, own_nats_server: NatsServer
) -> None:
    """A JetStream context per drain leaked a reply subscription and a task per batch."""
    relay = OutboxRelay(db, kit, own_nats_server.url, producer=PRODUCER)
    try:
        for _ in range(25):
            async with db.session() as session:
                await add_event(session, kit, withdrawn_event())
                await session.commit()
            assert await relay.drain() == 1
        assert relay._nc is not None
        assert len(relay._nc._subs) <= 2  # the API request inbox and one publish inbox
    finally:
        await relay.stop()


async def test_events_without_nats_configured_wait_in_the_outbox(db: Database) -> None:
    relay = OutboxRelay(db, kit, None, producer=PRODUCER)
    async with running(relay):
        async with db.session() as session:
            await add_event(session, kit, withdrawn_event())
            await session.commit()
        await asyncio.sleep(0.1)
        assert await relay.pending() == 1


async def _true(value: bool) -> bool:
    return value


async def _stream_size(nc: Client, expected: int) -> bool:
    info = await nc.jetstream().stream_info("REFERRAL")
    return info.state.messages >= expected


async def _pending_is(relay: OutboxRelay, expected: int) -> bool:
    return await relay.pending() == expected


async def _client(server: NatsServer) -> Client:
    return await bus.connect(server.url, name="kit-test-reader")


async def test_published_events_leave_the_outbox_after_the_keeping_time(
    db: Database, own_nats_server: NatsServer
) -> None:
    # once JetStream holds an event, its payload (ethnicity, age, area) has no reason to stay
    # in a second store beyond a short time to look into a delivery
    old, recent, unsent = withdrawn_event(), withdrawn_event(), withdrawn_event()
    async with db.session() as session:
        for event in (old, recent):
            await add_event(session, kit, event)
        await session.commit()
    relay = OutboxRelay(db, kit, own_nats_server.url, producer=PRODUCER, keep_published_seconds=60)
    try:
        assert await relay.drain() == 2
    finally:
        await relay.stop()
    async with db.session() as session:
        await add_event(session, kit, unsent)  # never published, however old
        await session.commit()
        long_ago = utcnow() - timedelta(hours=2)
        await session.execute(
            update(kit.outbox).where(kit.outbox.c.id == old.id).values(published_at=long_ago)
        )
        await session.execute(
            update(kit.outbox).where(kit.outbox.c.id == unsent.id).values(created_at=long_ago)
        )
        await session.commit()

    assert await relay.purge_published() == 1

    async with db.session() as session:
        left = set((await session.execute(select(kit.outbox.c.id))).scalars())
    assert left == {recent.id, unsent.id}


async def test_the_relay_purges_published_events_as_it_runs(
    db: Database, nc: Client, own_nats_server: NatsServer
) -> None:
    event = withdrawn_event()
    async with db.session() as session:
        await add_event(session, kit, event)
        await session.commit()
    relay = OutboxRelay(
        db,
        kit,
        own_nats_server.url,
        producer=PRODUCER,
        poll_seconds=0.05,
        keep_published_seconds=0.1,
        purge_every_seconds=0.1,
    )
    async with running(relay):
        await eventually(
            lambda: _outbox_empty(db), what="the published event purged from the outbox"
        )
    assert len(await stream_messages(nc)) == 1


async def _outbox_empty(db: Database) -> bool:
    return await count(db, kit.outbox) == 0
