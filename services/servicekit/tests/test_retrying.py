"""The reconnect-and-backoff loop the outbox relay and the consumers share."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time

import pytest

from servicekit.retrying import Retry, keep_trying

log = logging.getLogger("servicekit.tests.retrying")


async def test_failures_pause_longer_each_time_and_a_success_starts_again_short(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=log.name)
    outcomes = iter(["fail", "fail", "fail", "ok", "fail", "ok"])
    tried_at: list[float] = []
    done = asyncio.Event()

    async def step() -> None:
        tried_at.append(time.monotonic())
        outcome = next(outcomes, None)
        if outcome is None:
            done.set()
            await asyncio.Event().wait()  # works on, until cancelled
        if outcome == "fail":
            raise ConnectionRefusedError("nats://127.0.0.1:1 refused")

    retry = Retry("outbox relay", "could not publish", log, first=0.2, longest=0.4)
    task = asyncio.create_task(keep_trying(step, retry))
    await asyncio.wait_for(done.wait(), timeout=5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

    gaps = [later - earlier for earlier, later in itertools.pairwise(tried_at)]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4 and gaps[2] >= 0.4  # doubled, then capped
    assert gaps[2] < 0.8  # capped: not doubled again
    assert gaps[3] < 0.2  # after a success, the next try comes at once
    assert 0.2 <= gaps[4] < 0.4  # and the next failure pauses only the first pause again
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    recoveries = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    # a run of failures is one warning when it starts and one line when it ends
    assert warnings == [
        "outbox relay could not publish: nats://127.0.0.1:1 refused",
        "outbox relay could not publish: nats://127.0.0.1:1 refused",
    ]
    assert recoveries == [
        "outbox relay working again after 3 failed tries",
        "outbox relay working again after 1 failed tries",
    ]
    assert len([r for r in caplog.records if r.levelno == logging.DEBUG]) == 2


async def test_cancelling_stops_the_loop_even_while_it_pauses() -> None:
    async def step() -> None:
        raise OSError("unreachable")

    task = asyncio.create_task(keep_trying(step, Retry("consumer x", "interrupted", log)))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
