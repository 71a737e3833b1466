"""A force's scheme as one snapshot: its settings and its active rule set, cached briefly.

Every referral and eligibility check needs both; reading them from the database on each request
cost two queries on the hot path. A snapshot is kept per process for `ttl_seconds`, so a changed
setting or a newly activated rule set applies everywhere within that time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.eligibility import repository as rule_set_repository
from referral_api.eligibility.rules import RuleSet
from referral_api.forces import repository as force_repository


@dataclass(frozen=True)
class Scheme:
    id: str
    name: str
    reference_prefix: str
    bar_months: int | None
    first_contact_hours: int
    engagement_window_days: int
    suggested_outcome_code: int
    areas: tuple[dict[str, Any], ...]
    rule_set: RuleSet

    def area_codes(self) -> set[str]:
        return {str(area["code"]) for area in self.areas}


async def load(*, session: AsyncSession, force_id: str) -> Scheme | None:
    """The force's settings and active rule set; None when either is missing."""
    force = await force_repository.get(session=session, force_id=force_id)
    if force is None:
        return None
    rule_set = await rule_set_repository.active(session=session, force_id=force_id)
    if rule_set is None:
        return None
    return Scheme(
        id=force.id,
        name=force.name,
        reference_prefix=force.reference_prefix,
        bar_months=force.bar_months,
        first_contact_hours=force.first_contact_hours,
        engagement_window_days=force.engagement_window_days,
        suggested_outcome_code=force.suggested_outcome_code,
        areas=tuple(dict(a) for a in force.areas),
        rule_set=rule_set,
    )


class SchemeCache:
    def __init__(self, ttl_seconds: float = 30.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._entries: dict[str, tuple[float, Scheme]] = {}

    async def get(self, *, session: AsyncSession, force_id: str) -> Scheme | None:
        entry = self._entries.get(force_id)
        if entry is not None and time.monotonic() - entry[0] < self.ttl_seconds:
            return entry[1]
        scheme = await load(session=session, force_id=force_id)
        if scheme is not None:
            self._entries[force_id] = (time.monotonic(), scheme)
        return scheme
