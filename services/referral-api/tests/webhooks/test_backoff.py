"""The pause between attempts: doubling, capped, and spread by jitter so that a receiver coming
back is not met by every message at once."""

from __future__ import annotations

from datetime import timedelta

from referral_api.webhooks.sender import Retry

RETRY = Retry(backoff_seconds=30, backoff_max_seconds=3600)


def test_the_pause_doubles_after_each_failure_up_to_the_cap() -> None:
    full = [RETRY.pause(attempts, jitter=1.0) for attempts in range(1, 10)]
    assert full[:5] == [timedelta(seconds=s) for s in (30, 60, 120, 240, 480)]
    assert full[-1] == timedelta(hours=1)


def test_jitter_spreads_the_pause_over_its_upper_half() -> None:
    assert RETRY.pause(3, jitter=0.0) == timedelta(seconds=60)
    assert RETRY.pause(3, jitter=0.5) == timedelta(seconds=90)
    assert RETRY.pause(3, jitter=1.0) == timedelta(seconds=120)
