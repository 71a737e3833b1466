"""A background step: repeated until stopped, at once while it reports more work, and kept
going through failures."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from servicekit.periodic import Periodic


async def test_a_step_repeats_goes_again_at_once_for_more_work_and_survives_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []
    outcomes = iter(["more", "more", "fail", "done"])

    async def step() -> bool:
        outcome = next(outcomes, "done")
        calls.append(outcome)
        if outcome == "fail":
            raise RuntimeError("the database is away")
        return outcome == "more"

    # an interval long enough that nothing but "more" can run a step again within it
    periodic = Periodic("test-step", step, every_seconds=0.2)
    await periodic.start()
    assert periodic.running
    await until(lambda: len(calls) >= 3)
    assert calls == ["more", "more", "fail"]  # two at once, then the failure; now waiting
    await until(lambda: len(calls) >= 4)
    await periodic.stop()
    assert not periodic.running
    assert calls[:4] == ["more", "more", "fail", "done"]  # tried again after the interval
    assert "test-step failed" in caplog.text


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.001)
