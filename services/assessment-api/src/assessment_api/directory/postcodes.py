"""UK postcodes reduced to what the directory matches on: the district (B15) and area (B)."""

from __future__ import annotations

import re

_FULL = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_AREA = re.compile(r"^[A-Z]{1,2}$")


def district_of(text: str) -> str | None:
    """The postcode district of a full postcode or a district ("B1 1AA" or "b1" -> "B1")."""
    compact = text.upper().replace(" ", "")
    full = _FULL.match(compact)
    if full:
        return full.group(1)
    return compact if _DISTRICT.match(compact) else None


def area_of(district: str) -> str:
    """The postcode area of a district: its leading letters ("B15" -> "B", "WS1" -> "WS")."""
    leading = re.match(r"^[A-Z]+", district)
    if leading is None:
        raise ValueError(f"{district!r} is not a postcode district: it starts with no letter")
    return leading.group(0)


def coverage_prefix(text: str) -> str | None:
    """A service area as published, if it names a postcode district or area."""
    compact = text.upper().replace(" ", "")
    if _DISTRICT.match(compact) or _AREA.match(compact):
        return compact
    return None
