"""Small-number suppression: no published figure lets anyone single out a person.

- **Primary:** a count from 1 to `threshold - 1` is shown as `<threshold` (0 is shown: it
  describes nobody).
- **Secondary:** within an additive set (the groups of a breakdown, which sum to the total beside
  them), a single hidden count could be worked out by subtracting the others from the total; so
  when exactly one count of a set is hidden, the next smallest count of the set is hidden too (the
  first in the set's order on a tie). A set whose total is itself hidden has every count hidden.
  When the set has no other count to hide, its total is hidden.
- **Derived:** a rate, share, median or ratio built on a hidden count is shown as `[c]`.

The rules are in `docs/decisions/0015-reporting-projections-and-suppression.md`, with what
they do not cover.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from reporting_api.reports.tables import DERIVED_SUPPRESSED, Cell, count_marker

K = TypeVar("K")


def is_suppressed(cell: Cell) -> bool:
    return isinstance(cell, str) and (cell == DERIVED_SUPPRESSED or cell.startswith("<"))


@dataclass(frozen=True)
class Suppressor:
    threshold: int

    @property
    def marker(self) -> str:
        return count_marker(self.threshold)

    def hides(self, count: int) -> bool:
        return 0 < count < self.threshold

    def count(self, count: int) -> Cell:
        """One count standing alone (no total it sums to is published)."""
        return self.marker if self.hides(count) else count

    def additive(
        self, counts: Mapping[K, int], total: int | None = None
    ) -> tuple[dict[K, Cell], Cell]:
        """Counts of a set that sums to `total` (their sum when None), and the total, with
        primary and secondary suppression applied; the set's order breaks ties."""
        total_count = sum(counts.values()) if total is None else total
        keys: Sequence[K] = list(counts)
        if self.hides(total_count):
            return {key: self._hidden_or_zero(counts[key]) for key in keys}, self.marker
        hidden = {key for key in keys if self.hides(counts[key])}
        shown_total: Cell = total_count
        if len(hidden) == 1:
            others = [key for key in keys if key not in hidden]
            if others:
                # the smallest other count (zeros included: "<5" also covers none)
                hidden.add(min(others, key=lambda key: (counts[key], keys.index(key))))
            else:
                shown_total = self.marker
        return (
            {key: self.marker if key in hidden else counts[key] for key in keys},
            shown_total,
        )

    def _hidden_or_zero(self, count: int) -> Cell:
        return self.marker if count else 0

    @staticmethod
    def derived(value: float | None, *inputs: Cell) -> Cell:
        """A figure computed from `inputs`: `[c]` when any of them is hidden."""
        if any(is_suppressed(cell) for cell in inputs):
            return DERIVED_SUPPRESSED
        return value

    def percent(self, part: Cell, whole: Cell, digits: int = 1) -> Cell:
        """`part` as a percentage of `whole` (None when the whole is 0)."""
        if is_suppressed(part) or is_suppressed(whole):
            return DERIVED_SUPPRESSED
        assert isinstance(part, int) and isinstance(whole, int)
        return round(100 * part / whole, digits) if whole else None
