"""The phone counts the encounter's day as the server does: on the clock in England and Wales."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from portal_driver import Portal, open_portal

from referral_api.days import local_day

pytestmark = pytest.mark.browser

INSTANTS = [
    "2026-06-14T23:30:00Z",  # 00:30 on the 15th in summer time
    "2026-06-15T22:59:00Z",  # 23:59 on the 15th in summer time
    "2026-12-14T23:30:00Z",  # winter: the same day as UTC
    "2026-03-29T00:30:00Z",  # the night the clocks go forward
    "2026-10-24T23:30:00Z",  # the night the clocks go back
    "2026-06-15T00:30:00+01:00",  # as a phone in the UK sends it
]


def test_the_phone_and_the_server_count_the_encounters_day_alike(page: Any, portal: Portal) -> None:
    open_portal(page, portal)
    days = page.evaluate(
        """async (instants) => {
          const { encounterDay } = await import('/js/referral.js');
          return instants.map((occurred_at) => encounterDay({ encounter: { occurred_at } }));
        }""",
        INSTANTS,
    )
    expected = [local_day(datetime.fromisoformat(i)).isoformat() for i in INSTANTS]
    assert days == expected
    assert days[0] == "2026-06-15"  # not the UTC date, the 14th
