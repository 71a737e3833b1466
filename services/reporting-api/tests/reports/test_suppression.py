"""Small-number suppression, worked by hand at its edges (threshold 5 unless said)."""

from __future__ import annotations

from reporting_api.reports.suppression import Suppressor

FIVE = Suppressor(5)


def test_counts_from_one_to_four_are_hidden_and_none_and_five_are_shown() -> None:
    assert [FIVE.count(n) for n in (0, 1, 4, 5, 6)] == [0, "<5", "<5", 5, 6]


def test_the_threshold_is_the_forces() -> None:
    assert Suppressor(10).count(9) == "<10"
    assert Suppressor(10).count(10) == 10


def test_one_hidden_group_takes_the_next_smallest_with_it() -> None:
    # 3 alone would be 100 - 60 - 30 - 7 = 3 from the total; hiding 7 too leaves 3 + 7 = 10
    # known, but not how it splits
    shown, total = FIVE.additive({"a": 60, "b": 3, "c": 30, "d": 7}, 100)
    assert shown == {"a": 60, "b": "<5", "c": 30, "d": "<5"}
    assert total == 100


def test_ties_for_the_secondary_go_to_the_first_in_order() -> None:
    shown, _ = FIVE.additive({"a": 8, "b": 2, "c": 8}, 18)
    assert shown == {"a": "<5", "b": "<5", "c": 8}


def test_a_zero_can_be_the_secondary_cell() -> None:
    # hiding the 0 leaves "b + c = 3": b could be 0 to 3
    shown, _ = FIVE.additive({"a": 20, "b": 3, "c": 0}, 23)
    assert shown == {"a": 20, "b": "<5", "c": "<5"}


def test_two_hidden_groups_need_no_secondary() -> None:
    shown, total = FIVE.additive({"a": 20, "b": 3, "c": 2}, 25)
    assert shown == {"a": 20, "b": "<5", "c": "<5"}
    assert total == 25


def test_a_hidden_total_hides_every_group_but_the_empty() -> None:
    shown, total = FIVE.additive({"a": 3, "b": 0, "c": 1}, 4)
    assert shown == {"a": "<5", "b": 0, "c": "<5"}
    assert total == "<5"


def test_a_lone_group_that_is_hidden_hides_its_total() -> None:
    # one group of 7 with 3 referred: the total 3 is itself hidden
    shown, total = FIVE.additive({"only": 3}, 3)
    assert shown == {"only": "<5"} and total == "<5"


def test_a_lone_hidden_group_with_a_total_beyond_it_hides_the_total() -> None:
    # the total counts more than the set shows (for example a stage's total across groups
    # with others not listed): with no other group to hide, the total goes
    shown, total = FIVE.additive({"only": 3}, 40)
    assert shown == {"only": "<5"} and total == "<5"


def test_nothing_is_hidden_when_every_count_is_large_or_zero() -> None:
    shown, total = FIVE.additive({"a": 0, "b": 5, "c": 50})
    assert shown == {"a": 0, "b": 5, "c": 50} and total == 55


def test_figures_built_on_a_hidden_count_are_hidden_too() -> None:
    assert FIVE.percent("<5", 100) == "[c]"
    assert FIVE.percent(40, "<5") == "[c]"
    assert FIVE.derived(1.5, 10, "<5") == "[c]"
    assert FIVE.percent(40, 160) == 25.0
    assert FIVE.percent(0, 0) is None
