"""Days as the scheme counts them: on the clock in England and Wales, not in UTC.

In summer the UK is an hour ahead of UTC, so 00:30 on a birthday is 23:30 the day before in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from referral_api.days import local_day
from referral_api.eligibility.rules import Verdict, default_rule_set
from referral_api.eligibility.service import decide
from referral_api.people.repository import PersonHistory

ANSWERS = {
    "personal_use_only": True,
    "supply_indicators": False,
    "other_offence_needs_arrest": False,
    "agrees_to_engage": True,
    "consents_to_share_contact": True,
}


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2026, 6, 14, 23, 30, tzinfo=UTC), date(2026, 6, 15)),  # BST: 00:30 on the 15th
        (datetime(2026, 6, 15, 22, 59, tzinfo=UTC), date(2026, 6, 15)),  # BST: 23:59
        (datetime(2026, 12, 14, 23, 30, tzinfo=UTC), date(2026, 12, 14)),  # GMT: the same day
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), date(2026, 3, 29)),  # the clocks go forward
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), date(2026, 10, 25)),  # the clocks go back
    ],
)
def test_a_day_is_the_day_on_the_clock_in_england_and_wales(instant: datetime, day: date) -> None:
    assert local_day(instant) == day


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        local_day(datetime(2026, 6, 15, 0, 30))


def test_a_person_stopped_just_after_midnight_on_their_18th_birthday_is_18() -> None:
    decision = decide(
        rule_set=default_rule_set("demo", "v1"),
        history=PersonHistory(barred_until=None, barred_for_ever=False, referred_before=False),
        date_of_birth=date(2008, 6, 15),
        encounter_at=datetime(2026, 6, 14, 23, 30, tzinfo=UTC),  # 00:30 BST on the 15th
        answers=ANSWERS,
    )
    assert decision.outcome is Verdict.eligible, decision.reasons


def test_a_bar_ends_on_the_local_day_it_runs_out() -> None:
    # barred until the 15th: still barred late on the 14th, free from the 15th, local time
    history = PersonHistory(
        barred_until=date(2026, 6, 15), barred_for_ever=False, referred_before=True
    )
    late_on_the_14th = datetime(2026, 6, 14, 22, 30, tzinfo=UTC)  # 23:30 BST
    early_on_the_15th = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)  # 00:30 BST
    common = {
        "rule_set": default_rule_set("demo", "v1"),
        "history": history,
        "date_of_birth": date(1990, 1, 1),
        "answers": ANSWERS,
    }
    assert not decide(encounter_at=late_on_the_14th, **common).eligible  # type: ignore[arg-type]
    assert decide(encounter_at=early_on_the_15th, **common).eligible  # type: ignore[arg-type]
