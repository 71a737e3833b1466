"""The period a report is asked for, at its edges: a leap day and a day before the scheme."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db


async def test_a_year_to_a_leap_day_starts_on_the_first_of_march(client, auth) -> None:  # type: ignore[no-untyped-def]
    # 29 Feb 2024 has no 29 Feb 2023: the year before it runs from 1 Mar 2023
    answer = await client.get("/v1/reports/officers", params={"to": "2024-02-29"}, headers=auth())
    assert answer.status_code == 200, answer.text
    assert answer.json()["period"] == {"start": "2023-03-01", "end": "2024-02-29"}


async def test_a_period_ending_before_the_scheme_is_a_422(client, auth) -> None:  # type: ignore[no-untyped-def]
    answer = await client.get("/v1/reports/officers", params={"to": "0001-01-01"}, headers=auth())
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "to"
