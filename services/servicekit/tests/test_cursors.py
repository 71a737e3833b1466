"""Keyset cursors: what `encode` wrote reads back; anything else is a 422 naming `cursor`."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from servicekit import cursors
from servicekit.problems import Problem


def raw(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_a_cursor_reads_back_what_was_written() -> None:
    at = datetime(2026, 6, 14, 23, 30, tzinfo=timezone(timedelta(hours=1)))
    row = uuid.uuid4()
    when, which = cursors.decode(cursors.encode(at, row), 2)
    assert cursors.instant(when) == at and cursors.instant(when).tzinfo is UTC
    assert cursors.identifier(which) == row


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        raw({"at": "2026-01-01T00:00:00+00:00"}),
        raw(["2026-01-01T00:00:00+00:00"]),
        raw(["2026-01-01T00:00:00+00:00", 12345]),
    ],
    ids=["garbage", "an-object", "too-short", "a-number"],
)
def test_another_shape_is_refused(cursor: str) -> None:
    with pytest.raises(Problem) as refused:
        cursors.decode(cursor, 2)
    assert refused.value.status == 422
    assert refused.value.errors == [
        {"field": "cursor", "message": "is not a cursor from a previous page"}
    ]


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00", "9999-12-31T23:59:59-05:00", "yesterday"])
def test_a_time_without_a_zone_or_beyond_the_calendar_is_refused(value: str) -> None:
    with pytest.raises(Problem):
        cursors.instant(value)


def test_an_id_that_is_not_a_uuid_is_refused() -> None:
    with pytest.raises(Problem):
        cursors.identifier("12345")
