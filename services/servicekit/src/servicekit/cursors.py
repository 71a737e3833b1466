"""Opaque keyset cursors for paginated lists.

A cursor is the sort key of a page's last row, as base64url JSON text values. Read back, it is
checked strictly: a cursor `encode` did not write (another shape, a date-time without a time
zone or beyond the calendar in UTC, an id that is not a UUID) is a 422 problem naming `cursor`,
never a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime

from servicekit.problems import Problem

Value = str | datetime | uuid.UUID


def invalid_cursor() -> Problem:
    return Problem(
        422,
        "validation",
        "Some answers need correcting",
        "Please correct: cursor.",
        errors=[{"field": "cursor", "message": "is not a cursor from a previous page"}],
    )


def _text(value: Value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


def encode(*values: Value) -> str:
    """Date-times in ISO 8601 in UTC; ids and text as they are."""
    raw = json.dumps([_text(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, size: int) -> list[str]:
    """The `size` text values of a cursor made by `encode`."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):  # UnicodeDecodeError and JSONDecodeError included
        raw = None
    if not isinstance(raw, list) or len(raw) != size or not all(isinstance(v, str) for v in raw):
        raise invalid_cursor()
    return raw


def instant(value: str) -> datetime:
    """A date-time read from a cursor, in UTC."""
    try:
        at = datetime.fromisoformat(value)
        if at.utcoffset() is None:
            raise ValueError("a date-time without a time zone")
        return at.astimezone(UTC)
    except (ValueError, OverflowError):
        raise invalid_cursor() from None


def identifier(value: str) -> uuid.UUID:
    """A UUID read from a cursor."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise invalid_cursor() from None
