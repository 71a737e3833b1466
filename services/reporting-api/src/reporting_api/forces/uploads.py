"""The tables a force uploads as CSV: reading them strictly, storing them whole, reading them back.

Each upload replaces the force's table of that kind in one transaction, or (any line wrong)
changes nothing: the answer names every wrong line and column, so a person can fix the file.

- population: `ethnic_group,residents`, one row for each of the 18 census 2021 codes W1..O9
  ("Ethnic group (20 categories)", TS021, less "does not apply"; Roma counted in W9, as the
  scheme's codes have no Roma of their own).
- baseline: `ethnic_group,possession_offences,charges,cautions` for the period before the scheme,
  either the five census groups or the codes (not both).
- possession offences: `month,area,ethnic_group,offences`; ethnic_group a census group or code
  (not both in one file), or blank when it was not recorded.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting_api.forces.models import (
    BaselineRow,
    ForceUpload,
    PopulationRow,
    PossessionOffenceRow,
)
from reporting_api.reports.dimensions import ETHNIC_GROUPS, SELF_DEFINED_GROUP
from servicekit.problems import Problem

CODES = tuple(code for code in SELF_DEFINED_GROUP if code != "NS")
GROUP_OF_CODE = {code: SELF_DEFINED_GROUP[code] for code in CODES}
NOT_RECORDED = "Not recorded"
MAX_ROWS = 50_000
MAX_COUNT = 100_000_000  # more residents than any force has; fits every database's integer
MAX_ERRORS = 20
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class UploadKind(StrEnum):
    population = "population"
    baseline = "baseline"
    possession_offences = "possession_offences"


COLUMNS: dict[UploadKind, tuple[str, ...]] = {
    UploadKind.population: ("ethnic_group", "residents"),
    UploadKind.baseline: ("ethnic_group", "possession_offences", "charges", "cautions"),
    UploadKind.possession_offences: ("month", "area", "ethnic_group", "offences"),
}
LABELS = {
    UploadKind.population: "population",
    UploadKind.baseline: "baseline",
    UploadKind.possession_offences: "possession offences",
}


class CellError(ValueError):
    """One cell that cannot be read: the message says what to put there instead."""


def whole_number(text: str) -> int:
    if not text:
        raise CellError("is empty: enter a whole number, like 120")
    if text.startswith("-") and text[1:].isdigit():
        raise CellError(f"is {text}: a count cannot be negative")
    if not text.isascii() or not text.isdigit():
        raise CellError(f"is {text[:40]!r}: enter a whole number without commas, like 1200")
    value = int(text)
    if value > MAX_COUNT:
        raise CellError(f"is {value}: more than {MAX_COUNT:,}, which no force has")
    return value


def census_code(text: str) -> str:
    code = text.upper()
    if code not in GROUP_OF_CODE:
        raise CellError(
            f"is {text[:40]!r}: use a census 2021 code ({', '.join(CODES)}); "
            "count Roma in W9 and leave out 'does not apply'"
        )
    return code


_GROUP_NAMES = {group.lower(): group for group in ETHNIC_GROUPS}


def group_or_code(text: str) -> str:
    """A census group name (White, Mixed, Asian, Black, Other) or a code, as stored."""
    if text.lower() in _GROUP_NAMES:
        return _GROUP_NAMES[text.lower()]
    if text.upper() in GROUP_OF_CODE:
        return text.upper()
    raise CellError(
        f"is {text[:40]!r}: use a census group ({', '.join(ETHNIC_GROUPS)}) "
        f"or a census 2021 code ({', '.join(CODES)})"
    )


def month(text: str) -> str:
    match = MONTH.match(text)
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise CellError(f"is {text[:40]!r}: enter a month as YYYY-MM, like 2026-03")
    return text


def area(text: str) -> str:
    if not text:
        raise CellError("is empty: name the area, as the referrals name it")
    if len(text) > 64:
        raise CellError("is longer than 64 characters: use the area's short name")
    return text


def optional_group(text: str) -> str:
    return group_or_code(text) if text else ""


PARSERS: dict[UploadKind, dict[str, Callable[[str], Any]]] = {
    UploadKind.population: {"ethnic_group": census_code, "residents": whole_number},
    UploadKind.baseline: {
        "ethnic_group": group_or_code,
        "possession_offences": whole_number,
        "charges": whole_number,
        "cautions": whole_number,
    },
    UploadKind.possession_offences: {
        "month": month,
        "area": area,
        "ethnic_group": optional_group,
        "offences": whole_number,
    },
}
KEYS: dict[UploadKind, tuple[str, ...]] = {
    UploadKind.population: ("ethnic_group",),
    UploadKind.baseline: ("ethnic_group",),
    UploadKind.possession_offences: ("month", "area", "ethnic_group"),
}


@dataclass
class Errors:
    items: list[dict[str, str]] = field(default_factory=list)

    def add(self, line: int, column: str | None, message: str) -> None:
        if len(self.items) < MAX_ERRORS:
            where = f"line {line}" + (f", column {column}" if column else "")
            self.items.append({"field": where, "message": message})

    def problem(self, kind: UploadKind) -> Problem:
        first = self.items[0]
        more = len(self.items) - 1
        return Problem(
            422,
            "invalid-upload",
            f"The {LABELS[kind]} file needs correcting",
            f"{first['field']}: {first['message']}"
            + (f" (and {more} more, listed in errors)" if more else "")
            + ". Nothing was changed: correct the file and upload it again.",
            errors=self.items,
        )


def _level(group: str) -> str:
    return "group" if group in ETHNIC_GROUPS else "code"


def read_csv(kind: UploadKind, body: bytes) -> list[dict[str, Any]]:
    """The file's rows, each checked; a 422 Problem naming every wrong line and column."""
    errors = Errors()
    try:
        text = body.decode("utf-8-sig")  # a spreadsheet's byte order mark is allowed
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        errors.add(line, None, "is not UTF-8 text: save the file as CSV UTF-8 and upload again")
        raise errors.problem(kind) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    lines: list[list[str]] = []
    starts: list[int] = []  # the line each record starts on (a quoted value may span lines)
    last = 0  # the line the previous record ended on
    try:
        for record in reader:
            starts.append(last + 1)
            lines.append(record)
            last = reader.line_num
    except csv.Error as exc:
        errors.add(last + 1, None, f"cannot be read as CSV ({exc}): check its quotes")
        raise errors.problem(kind) from None
    while lines and not "".join(lines[0]).strip():  # blank lines before the header
        del lines[0], starts[0]
    expected = COLUMNS[kind]
    if not lines:
        errors.add(1, None, f"the file is empty: send a header ({','.join(expected)}) and rows")
        raise errors.problem(kind)
    header, at = [name.strip().lower() for name in lines[0]], starts[0]
    for name in header:
        if name not in expected:
            shown = name[:40] if name.isprintable() else repr(name[:40])
            errors.add(at, shown or "(blank)", f"is not a column here: use {','.join(expected)}")
    for name in expected:
        if name not in header:
            errors.add(at, name, "is missing from the header: add it")
    if len(set(header)) != len(header):
        errors.add(at, None, "names a column twice: name each once")
    if errors.items:
        raise errors.problem(kind)
    if len(lines) - 1 > MAX_ROWS:
        errors.add(MAX_ROWS + 2, None, f"the file has more than {MAX_ROWS:,} rows: split it")
        raise errors.problem(kind)
    parsers = PARSERS[kind]
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    levels: dict[str, int] = {}
    for number, cells in zip(starts[1:], lines[1:], strict=True):
        if not "".join(cells).strip():
            continue  # a blank line (a spreadsheet's trailing one)
        if len(cells) != len(header):
            errors.add(number, None, f"has {len(cells)} values: give {len(header)}, one per column")
            continue
        row: dict[str, Any] = {}
        for name, cell in zip(header, cells, strict=True):
            try:
                row[name] = parsers[name](cell.strip())
            except CellError as exc:
                errors.add(number, name, str(exc))
        if len(row) != len(header):
            continue
        key = tuple(row[name] for name in KEYS[kind])
        if key in seen:
            errors.add(number, None, f"repeats line {seen[key]}: give each row once")
            continue
        seen[key] = number
        group = row.get("ethnic_group")
        if kind is not UploadKind.population and group:
            levels.setdefault(_level(group), number)
            if len(levels) == 2:
                errors.add(
                    number,
                    "ethnic_group",
                    f"mixes census groups and codes (line {min(levels.values())} used the "
                    "other): use one or the other throughout",
                )
                levels.pop(_level(group))
                continue
        if (
            kind is UploadKind.baseline
            and row["charges"] + row["cautions"] > (row["possession_offences"])
        ):
            errors.add(
                number,
                "charges",
                "charges and cautions add up to more than the possession offences: each "
                "offence has at most one formal outcome",
            )
            continue
        rows.append(row)
    if not errors.items and not rows:
        errors.add(at + 1, None, "the file has a header but no rows: add them")
    if kind is UploadKind.population and not errors.items:
        missing = [code for code in CODES if (code,) not in seen]
        if missing:
            errors.add(
                len(lines) + 1,
                "ethnic_group",
                f"the file has no row for {', '.join(missing)}: give every census code, "
                "0 where there are none",
            )
    if errors.items:
        raise errors.problem(kind)
    return rows


def to_csv(kind: UploadKind, rows: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS[kind])
    for row in rows:
        writer.writerow([row[name] for name in COLUMNS[kind]])
    return out.getvalue()


MODELS: dict[UploadKind, type[PopulationRow] | type[BaselineRow] | type[PossessionOffenceRow]] = {
    UploadKind.population: PopulationRow,
    UploadKind.baseline: BaselineRow,
    UploadKind.possession_offences: PossessionOffenceRow,
}


async def replace_upload(
    session: AsyncSession,
    force_id: str,
    kind: UploadKind,
    rows: Sequence[dict[str, Any]],
    *,
    now: datetime,
    source: str | None = None,
    period: tuple[date, date] | None = None,
) -> ForceUpload:
    """The force's table of `kind` becomes `rows`, in the caller's transaction."""
    model = MODELS[kind]
    await session.execute(delete(model).where(model.force_id == force_id))
    session.add_all(model(force_id=force_id, **row) for row in rows)
    upload = await session.get(ForceUpload, (force_id, kind.value))
    if upload is None:
        upload = ForceUpload(force_id=force_id, kind=kind.value)
        session.add(upload)
    upload.source = source
    upload.period_start, upload.period_end = period or (None, None)
    upload.rows = len(rows)
    upload.uploaded_at = now
    return upload


async def read_upload(
    session: AsyncSession, force_id: str, kind: UploadKind
) -> tuple[ForceUpload, list[dict[str, Any]]] | None:
    """The force's table of `kind` and its rows (in the key's order), or None when never
    uploaded."""
    upload = await session.get(ForceUpload, (force_id, kind.value))
    if upload is None:
        return None
    model = MODELS[kind]
    keys = [getattr(model, name) for name in KEYS[kind]]
    found = await session.scalars(select(model).where(model.force_id == force_id).order_by(*keys))
    rows = [{name: getattr(row, name) for name in COLUMNS[kind]} for row in found]
    if kind is UploadKind.population:
        order = {code: index for index, code in enumerate(CODES)}
        rows.sort(key=lambda row: order[row["ethnic_group"]])
    return upload, rows


def group_of(ethnic_group: str) -> str:
    """The census group of an uploaded group or code; blank is not recorded."""
    if not ethnic_group:
        return NOT_RECORDED
    return GROUP_OF_CODE.get(ethnic_group, ethnic_group)


@dataclass(frozen=True)
class Uploads:
    """What a report needs of a force's uploads (None: not uploaded)."""

    residents: dict[str, int] | None  # census group -> residents
    baseline: dict[str, tuple[int, int]] | None  # group -> (possession offences, formal)
    baseline_period: tuple[date, date] | None
    # (month, area, census group or NOT_RECORDED) -> offences
    offences: dict[tuple[str, str, str], int] | None


async def uploads_of(session: AsyncSession, force_id: str) -> Uploads:
    residents: dict[str, int] | None = None
    baseline: dict[str, tuple[int, int]] | None = None
    period: tuple[date, date] | None = None
    offences: dict[tuple[str, str, str], int] | None = None
    if found := await read_upload(session, force_id, UploadKind.population):
        residents = dict.fromkeys(ETHNIC_GROUPS, 0)
        for row in found[1]:
            residents[group_of(row["ethnic_group"])] += row["residents"]
    if found := await read_upload(session, force_id, UploadKind.baseline):
        upload, rows = found
        baseline = dict.fromkeys(ETHNIC_GROUPS, (0, 0))
        for row in rows:
            group = group_of(row["ethnic_group"])
            had, formal = baseline[group]
            baseline[group] = (
                had + row["possession_offences"],
                formal + row["charges"] + row["cautions"],
            )
        if upload.period_start is not None and upload.period_end is not None:
            period = (upload.period_start, upload.period_end)
    if found := await read_upload(session, force_id, UploadKind.possession_offences):
        offences = {}
        for row in found[1]:
            key = (row["month"], row["area"], group_of(row["ethnic_group"]))
            offences[key] = offences.get(key, 0) + row["offences"]
    return Uploads(residents, baseline, period, offences)
