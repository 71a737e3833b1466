"""A step a service repeats in the background for as long as it runs (housekeeping, sweeps).

The step runs on a task of its own, then again every `every_seconds`; a step that reports more
work waiting (returns True) runs again at once. A step that fails is logged and tried again next
time, so an away database never stops the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(
        self, name: str, step: Callable[[], Awaitable[bool | None]], *, every_seconds: float
    ) -> None:
        self.name = name
        self.step = step
        self.every_seconds = every_seconds
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            try:
                if await self.step():
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed; trying again in %g s", self.name, self.every_seconds)
            await asyncio.sleep(self.every_seconds)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()
