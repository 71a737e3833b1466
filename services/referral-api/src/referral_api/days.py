"""Days as the scheme counts them: on the clock in England and Wales.

A person's age, the day of an encounter and the day a bar runs out are dates on the local
calendar, not in UTC: in summer the clocks are an hour ahead, so a person stopped at 00:30 on
their 18th birthday (23:30 the day before in UTC) is 18. The officers' portal counts days the
same way (`pwa/js/referral.js`, `encounterDay`).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SCHEME_TIME_ZONE = ZoneInfo("Europe/London")


def local_day(at: datetime) -> date:
    """The date on the local calendar at the instant `at`."""
    if at.tzinfo is None:
        raise ValueError("a time without a time zone is not an instant")
    return at.astimezone(SCHEME_TIME_ZONE).date()
