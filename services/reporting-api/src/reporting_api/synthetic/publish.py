"""Sending a synthetic history where the live platform's events go: published to JetStream, each
event on its subject (its type) with its id as `Nats-Msg-Id` (so publishing twice stores it once,
within the streams' duplicate window), or written as NDJSON, one event a line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from contracts import CloudEvent
from servicekit import bus

# publishes awaiting JetStream's acknowledgement at once: enough to keep the server busy, few
# enough that a slow server holds back the generator rather than filling memory
IN_FLIGHT = 2000


async def publish(
    nats_url: str, journeys: Iterable[Sequence[CloudEvent]], *, in_flight: int = IN_FLIGHT
) -> int:
    """Publish every event of `journeys` to the streams (made if missing); the number of events
    JetStream acknowledged. Raises if any publish failed."""
    nc = await bus.connect(nats_url, name="reporting-synthetic-publish")
    try:
        js = nc.jetstream(publish_async_max_pending=in_flight)
        await bus.ensure_streams(js, update=False)
        futures = []
        sent = 0
        for journey in journeys:
            for event in journey:
                futures.append(
                    await js.publish_async(
                        event.type, event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
                    )
                )
                sent += 1
            if len(futures) >= in_flight:
                for future in futures:
                    await future  # raises if JetStream refused it
                futures = []
        for future in futures:
            await future
        return sent
    finally:
        with contextlib.suppress(Exception):
            await nc.drain()


def write_ndjson(path: Path, journeys: Iterable[Sequence[CloudEvent]]) -> int:
    """Write every event of `journeys` to `path`, one JSON object a line; the number written."""
    written = 0
    with path.open("wb") as out:
        for journey in journeys:
            for event in journey:
                out.write(event.to_json() + b"\n")
                written += 1
    return written
