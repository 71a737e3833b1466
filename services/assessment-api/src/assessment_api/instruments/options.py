"""The answer options of the instruments, as codes a client sends (never scores).

Each code maps to the score the published instrument gives it in `catalogue.py`; the server adds
the scores up, so a client can render and record answers but never set a score.
"""

from __future__ import annotations

from enum import StrEnum


class DrinkingFrequency(StrEnum):
    """AUDIT item 1."""

    never = "never"
    monthly_or_less = "monthly_or_less"
    two_to_four_times_a_month = "two_to_four_times_a_month"
    two_to_three_times_a_week = "two_to_three_times_a_week"
    four_or_more_times_a_week = "four_or_more_times_a_week"


class TypicalUnits(StrEnum):
    """AUDIT item 2 (UK version, in units)."""

    zero_to_two = "zero_to_two"
    three_to_four = "three_to_four"
    five_to_six = "five_to_six"
    seven_to_nine = "seven_to_nine"
    ten_or_more = "ten_or_more"


class Frequency(StrEnum):
    """AUDIT items 3 to 8."""

    never = "never"
    less_than_monthly = "less_than_monthly"
    monthly = "monthly"
    weekly = "weekly"
    daily_or_almost_daily = "daily_or_almost_daily"


class HarmOrConcern(StrEnum):
    """AUDIT items 9 and 10 (scored 0, 2 or 4)."""

    no = "no"
    yes_but_not_in_the_last_year = "yes_but_not_in_the_last_year"
    yes_during_the_last_year = "yes_during_the_last_year"


class PgsiFrequency(StrEnum):
    """Every PGSI item."""

    never = "never"
    sometimes = "sometimes"
    most_of_the_time = "most_of_the_time"
    almost_always = "almost_always"


class SdsFrequency(StrEnum):
    """SDS items 1 to 4."""

    never_or_almost_never = "never_or_almost_never"
    sometimes = "sometimes"
    often = "often"
    always_or_nearly_always = "always_or_nearly_always"


class SdsDifficulty(StrEnum):
    """SDS item 5."""

    not_difficult = "not_difficult"
    quite_difficult = "quite_difficult"
    very_difficult = "very_difficult"
    impossible = "impossible"
