"""The NATS JetStream connection and the streams each producer owns."""

from __future__ import annotations

import asyncio
import logging

import nats
from nats import errors as nats_errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from contracts import STREAMS, Stream

log = logging.getLogger(__name__)

# Longer than any retry of the outbox relay between publishing and marking a row sent, so a
# re-publish after a crash is dropped by JetStream as a duplicate.
DUPLICATE_WINDOW_SECONDS = 24 * 3600


# what a lost server looks like: the connection dropping, and each attempt to reach it again
_OUTAGE = (
    nats_errors.StaleConnectionError,  # includes an unexpected end of the stream
    nats_errors.ConnectionClosedError,
    nats_errors.NoServersError,
    OSError,  # refused, reset, unreachable
    asyncio.TimeoutError,
)


class ConnectionLog:
    """A connection's troubles, a line each: an outage when it starts and when it ends.

    nats-py's own default logs a traceback for every failed reconnection attempt, twice a second
    for as long as the server is away.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.down = False
        self.client: Client | None = None  # set once connected

    def _lost(self, cause: object) -> None:
        if not self.down:
            self.down = True
            log.warning(
                "NATS connection %s lost (%s); reconnecting in the background", self.name, cause
            )

    async def error(self, error: Exception) -> None:
        if isinstance(error, _OUTAGE) and self.down:
            log.debug("NATS connection %s still away: %s", self.name, error)
        elif isinstance(error, _OUTAGE):
            self._lost(str(error) or type(error).__name__)
        else:
            log.warning("NATS connection %s: %s", self.name, str(error) or type(error).__name__)

    async def disconnected(self) -> None:
        if self.client is not None and self.client.is_closed:
            return  # closed on purpose (nats-py reports that as a disconnection too)
        self._lost("disconnected")

    async def reconnected(self) -> None:
        if self.down:
            self.down = False
            log.info("NATS connection %s reconnected", self.name)


async def connect(url: str, *, name: str) -> Client:
    """Connect once; after that nats-py reconnects by itself for as long as it takes."""
    events = ConnectionLog(name)
    events.client = await nats.connect(
        servers=[url],
        name=name,
        connect_timeout=2,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        error_cb=events.error,
        disconnected_cb=events.disconnected,
        reconnected_cb=events.reconnected,
    )
    return events.client


def stream_config(stream: Stream, *, replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=stream.name,
        subjects=list(stream.subjects),
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        # keep everything by default so reporting can rebuild from the start
        max_age=0,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=replicas,
    )


async def ensure_stream(
    js: JetStreamContext, stream: Stream, *, replicas: int = 1, update: bool = True
) -> None:
    """Create the stream if missing; its producer (`update`) also brings its settings up to date.

    Safe from several instances at once. Consumers create a missing stream so they can bind
    before the producer has started, but never change one: the producer owns its settings.
    """
    config = stream_config(stream, replicas=replicas)
    try:
        await js.stream_info(stream.name)
    except NotFoundError:
        try:
            await js.add_stream(config)
            return
        except BadRequestError:
            pass  # another instance created it first
    if update:
        await js.update_stream(config)


async def ensure_streams(
    js: JetStreamContext, producer: str | None = None, *, replicas: int = 1, update: bool = True
) -> None:
    for stream in STREAMS:
        if producer is None or stream.producer == producer:
            await ensure_stream(js, stream, replicas=replicas, update=update)
