"""Reconnect and back off: a background loop's step run for ever, pausing longer after each
failure in a row (NATS or the database away), and at once again once it works.

A run of failures is logged once, when it starts, and once when it ends, like the NATS
connection's own outages (`servicekit.bus.ConnectionLog`); the failures between go to the debug
log, so an outage of an hour is two lines, not thousands.

    retry = Retry("outbox relay", "could not publish", log)
    await keep_trying(one_pass, retry)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import NoReturn


class Retry:
    """The pause before the next try, doubling after each failure from `first` to `longest`
    seconds, and the log of a run of failures."""

    def __init__(
        self,
        name: str,
        failing: str,
        logger: logging.Logger,
        *,
        first: float = 0.2,
        longest: float = 10.0,
    ) -> None:
        self.name = name
        self.failing = failing
        self.logger = logger
        self.first = first
        self.longest = longest
        self.next_pause = first
        self.failures = 0

    def working(self) -> None:
        """It works (again): the next failure pauses only `first` seconds."""
        if self.failures:
            self.logger.info("%s working again after %d failed tries", self.name, self.failures)
        self.next_pause = self.first
        self.failures = 0

    async def failed(self, exc: Exception) -> None:
        """Log the failure (in full only the first of a run) and pause before the next try."""
        if self.failures == 0:
            self.logger.warning("%s %s: %s", self.name, self.failing, exc)
        else:
            self.logger.debug("%s %s again (%d): %s", self.name, self.failing, self.failures, exc)
        self.failures += 1
        pause, self.next_pause = self.next_pause, min(self.next_pause * 2, self.longest)
        await asyncio.sleep(pause)


async def keep_trying(step: Callable[[], Awaitable[None]], retry: Retry) -> NoReturn:
    """Run `step` again and again until cancelled: at once after it returns, after `retry`'s
    growing pause when it fails. A step that runs for long (a consumer's fetch loop) calls
    `retry.working()` itself once it is connected, so its next interruption pauses briefly."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await retry.failed(exc)
            continue
        retry.working()
