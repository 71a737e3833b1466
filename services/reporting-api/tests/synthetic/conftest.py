"""One synthetic demonstration year, made once for every test that reads it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest

from reporting_api.synthetic.generator import force_years

if TYPE_CHECKING:
    from contracts import CloudEvent

# a year ending at midday on the day the demonstration is shown
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
START = date(2025, 12, 5)
SEED = 11


@pytest.fixture(scope="session")
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def year() -> list[list[CloudEvent]]:
    """5,000 referrals' journeys, each its events oldest first."""
    return list(force_years("demo", start=START, seed=SEED, now=NOW))
