"""The NATS JetStream connection and the streams each producer owns."""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from contracts import STREAMS, Stream

log = logging.getLogger(__name__)

# Longer than any retry of the outbox relay between publishing and marking a row sent, so a
# re-publish after a crash is dropped by JetStream as a duplicate.
DUPLICATE_WINDOW_SECONDS = 24 * 3600


async def connect(url: str, *, name: str) -> Client:
    """Connect once; after that nats-py reconnects by itself for as long as it takes."""
    return await nats.connect(
        servers=[url],
        name=name,
        connect_timeout=2,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
    )


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
