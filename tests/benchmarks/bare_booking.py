"""The least a booking step can do on the bus: the baseline for bench_booking.py.

    python tests/benchmarks/bare_booking.py NATS_URL

It consumes `assessment.completed.v1` the way the kit's consumer does (a durable pull consumer,
a lingering fetch of one, explicit ack) and at once publishes a `session.booked.v1` naming the
same referral, then acks. No database, no validation, no outbox: what is left is the two NATS
hops every booking pays, so the real service's figure can be read against it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from servicekit import bus

DURABLE = "bench-bare-booking"


async def echo(nats_url: str) -> None:
    nc = await bus.connect(nats_url, name=DURABLE)
    js = nc.jetstream()
    await bus.ensure_streams(js)
    await js.add_consumer(
        "ASSESSMENT",
        ConsumerConfig(
            durable_name=DURABLE, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL
        ),
    )
    sub = await js.pull_subscribe_bind(durable=DURABLE, stream="ASSESSMENT")
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    while not stop.is_set():
        try:
            msgs = await sub.fetch(1, timeout=1)
        except (nats.errors.TimeoutError, TimeoutError):
            continue
        for msg in msgs:
            event = json.loads(msg.data)
            booked = {"type": "session.booked.v1", "subject": event["subject"]}
            await js.publish("session.booked.v1", json.dumps(booked).encode())
            await msg.ack()
    with contextlib.suppress(Exception):
        await nc.close()


if __name__ == "__main__":
    asyncio.run(echo(sys.argv[1]))
