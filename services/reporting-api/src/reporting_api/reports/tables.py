"""The shape of every report: a few named tables of rows, the same in JSON and in CSV.

A cell is a number, a category (text), `null` where a figure does not apply (a median of no
cases), or a suppression marker: `"<5"` (with the force's threshold) for a count too small to
publish or hidden so that one could not be worked out from the totals, and `"[c]"` for a rate,
share, median or ratio built on such a count.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Cell = int | float | str | None
Kind = Literal["category", "count", "percent", "rate", "ratio", "days", "hours"]
DERIVED_SUPPRESSED = "[c]"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def count_marker(threshold: int) -> str:
    """How a suppressed count is shown: below the force's threshold."""
    return f"<{threshold}"


class Column(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    label: str = Field(description="What a person reads as the column's heading.")
    kind: Kind = Field(
        description="category: text; count: a whole number; percent: 0-100; rate: per 1,000 "
        "residents; ratio: a relative rate; days and hours: durations."
    )


class Table(BaseModel):
    id: str = Field(description="Stable name, for `?table=` with `Accept: text/csv`.")
    title: str
    columns: list[Column]
    rows: list[dict[str, Cell]]
    notes: list[str] = Field(
        default_factory=list, description="How the figures are made, in words."
    )


class Period(BaseModel):
    start: date = Field(description="First day, Europe/London.")
    end: date = Field(description="Last day, included.")


class Report(BaseModel):
    report: str = Field(description="Which report.")
    force: str
    period: Period
    interval: Literal["week", "month", "year"] | None = None
    by: str | None = Field(default=None, description="The breakdown, when one was asked for.")
    suppression_threshold: int = Field(
        description="Counts from 1 to one below this are shown as `<N`; figures built on them "
        "as `[c]`."
    )
    tables: list[Table]

    def table(self, table_id: str) -> Table:
        for table in self.tables:
            if table.id == table_id:
                return table
        raise KeyError(table_id)


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return f"{cell:.10g}"
    if isinstance(cell, str) and cell[:1] in FORMULA_STARTS:
        return "'" + cell  # never a formula when a spreadsheet opens it (OWASP CSV injection)
    return str(cell)


def to_csv(table: Table) -> str:
    """One table as CSV (RFC 4180): a header of column labels, then its rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow([_text(row.get(column.key)) for column in table.columns])
    return out.getvalue()
