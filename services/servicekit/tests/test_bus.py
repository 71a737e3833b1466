"""The NATS connection: reconnects by itself, and says so in a line, not a traceback a second."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import pytest

from servicekit import bus
from servicekit_testing.nats import NatsServer


async def wait_until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_an_outage_is_logged_once_and_the_recovery_once(
    own_nats_server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    nc = await bus.connect(own_nats_server.url, name="outage-test")
    try:
        own_nats_server.stop()
        await wait_until(lambda: not nc.is_connected)
        await asyncio.sleep(2.5)  # about five reconnection attempts
        own_nats_server.start()
        await wait_until(lambda: nc.is_connected, seconds=15)
        await nc.flush(timeout=5)
    finally:
        await nc.close()
    nats_records = [r for r in caplog.records if r.name.startswith(("nats", "servicekit.bus"))]
    assert not [r for r in nats_records if r.exc_info], "a traceback was logged"
    messages = [r.getMessage() for r in nats_records if r.levelno >= logging.WARNING]
    assert len(messages) == 1, messages
    assert "outage-test" in messages[0] and "lost" in messages[0]
    assert any("reconnected" in r.getMessage() for r in nats_records)
