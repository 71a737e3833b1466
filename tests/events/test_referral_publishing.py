"""A referral is stored once and published once on JetStream, whatever the network does."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import httpx
import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from referral_api.main import create_app
from referral_api.referrals.schemas import example_referral
from servicekit.db import Database
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.nats import NatsServer
from servicekit_testing.server import response_dropping_proxy, serving

from ..conftest import ReferralSettingsFactory

pytestmark = [pytest.mark.db, pytest.mark.nats]


async def submitted_events(nats_url: str, wait: float = 0.5) -> list[dict[str, object]]:
    """Every referral.submitted.v1 message in the stream, read with a fresh consumer."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        try:
            sub = await js.pull_subscribe(
                "referral.submitted.v1",
                durable=None,
                stream="REFERRAL",
                config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
            )
        except nats.js.errors.NotFoundError:
            return []  # the relay makes the stream with its first publish: nothing sent yet
        messages: list[dict[str, object]] = []
        while True:
            try:
                batch = await sub.fetch(100, timeout=wait)
            except (nats.errors.TimeoutError, TimeoutError):
                break
            for msg in batch:
                event = json.loads(msg.data)
                assert msg.headers and msg.headers["Nats-Msg-Id"] == event["id"]
                messages.append(event)
        return messages
    finally:
        await nc.close()


@pytest.fixture
async def referral_service(
    seeded_referral_database: str,
    make_referral_settings: ReferralSettingsFactory,
    own_nats_server: NatsServer,
) -> AsyncIterator[tuple[str, str]]:
    settings = make_referral_settings(
        seeded_referral_database,
        own_nats_server.url,
        outbox_poll_seconds=30,  # commits wake the relay; polling must not be what delivers
    )
    async with serving(create_app(settings)) as base_url:
        yield base_url, seeded_referral_database


async def count(url: str, table: str) -> int:
    from sqlalchemy import text

    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())  # noqa: S608
    finally:
        await db.dispose()


async def test_retries_and_a_lost_response_give_one_referral_and_one_event(
    referral_service: tuple[str, str], dev_idp: DevIdentityProvider, own_nats_server: NatsServer
) -> None:
    base_url, database_url = referral_service
    headers = {
        "Authorization": f"Bearer {dev_idp.token(role='officer', forces=['demo'])}",
        "Idempotency-Key": str(uuid.uuid4()),
    }
    body = example_referral()
    port = int(base_url.rsplit(":", 1)[1])
    async with (
        response_dropping_proxy(port) as proxy_port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{proxy_port}") as lossy,
    ):
        with pytest.raises(httpx.TransportError):
            await lossy.post("/v1/referrals", json=body, headers=headers)
    async with httpx.AsyncClient(base_url=base_url) as client:
        first = await client.post("/v1/referrals", json=body, headers=headers)
        second = await client.post("/v1/referrals", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await count(database_url, "referrals") == 1
    events = await submitted_events(own_nats_server.url)
    assert len(events) == 1
    assert events[0]["subject"] == first.json()["id"]


async def test_accepted_while_nats_is_down_and_published_when_it_returns(
    referral_service: tuple[str, str], dev_idp: DevIdentityProvider, own_nats_server: NatsServer
) -> None:
    base_url, database_url = referral_service
    auth = {"Authorization": f"Bearer {dev_idp.token(role='officer', forces=['demo'])}"}
    own_nats_server.stop()
    async with httpx.AsyncClient(base_url=base_url) as client:
        created = await client.post(
            "/v1/referrals",
            json=example_referral(),
            headers=auth | {"Idempotency-Key": str(uuid.uuid4())},
        )
        assert created.status_code == 201
        ready = await client.get("/ready")
        assert ready.status_code == 503 and "nats" in ready.json()["detail"]
    own_nats_server.start()
    events: list[dict[str, object]] = []
    for _ in range(100):
        events = await submitted_events(own_nats_server.url, wait=0.2)
        if events:
            break
        await asyncio.sleep(0.1)
    assert [e["subject"] for e in events] == [created.json()["id"]]
    # and never again
    await asyncio.sleep(1)
    assert len(await submitted_events(own_nats_server.url)) == 1
    assert await count(database_url, "outbox WHERE published_at IS NULL") == 0
