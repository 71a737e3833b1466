"""Opaque keyset cursors for paginated lists."""

from __future__ import annotations

import base64
import binascii
import json

from assessment_api.exceptions import invalid_field


def encode(*values: str) -> str:
    raw = json.dumps(list(values), separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, size: int) -> list[str]:
    """The values of a cursor made by `encode` with `size` values, or a 422 naming `cursor`."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raw = None
    if not isinstance(raw, list) or len(raw) != size or not all(isinstance(v, str) for v in raw):
        raise invalid_field("cursor", "is not a cursor from a previous page")
    return [str(v) for v in raw]
