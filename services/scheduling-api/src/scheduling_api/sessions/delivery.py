"""How a session is delivered, checked alike wherever a session is offered (a session added on
its own, or appointments cut from published availability): online with an https join link, or
at a venue; in one stated language or any."""

from __future__ import annotations

import re

from scheduling_api.sessions.models import DeliveryMode

LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
HTTPS_LINK = re.compile(r"^https://[^\s/]+\.[^\s]+$")


def language_tag(value: str | None) -> str | None:
    """A BCP 47 tag, lower-cased so `pl-PL` and `pl-pl` are one language."""
    if value is not None and not LANGUAGE_TAG.match(value):
        raise ValueError("must be a BCP 47 language tag such as en, pl or pt-BR")
    return value.lower() if value else None


def https_link(value: str | None) -> str | None:
    if value is not None and not HTTPS_LINK.match(value):
        raise ValueError("must be an https:// link")
    return value


def check_delivery(mode: DeliveryMode, join_link: str | None, venue: str | None) -> None:
    """People must be told where to go: a link online, an address at a venue."""
    if mode is DeliveryMode.online and not join_link:
        raise ValueError("an online session needs its join_link")
    if mode is DeliveryMode.venue and not venue:
        raise ValueError("a venue session needs its venue")
