"""How the platform knows an officer's force (docs/decisions/0010-officers-known-per-force.md).

An officer is of a force when the force's identity provider said so: their own officer token,
the first time they call referral-api (the portal does at sign-in), or an administrator who
registers them for a force system to act for. A force system naming an officer is believed only
for officers known in its own force.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.exceptions import force_not_configured, invalid_field
from referral_api.forces import repository as force_repository
from referral_api.officers import repository
from referral_api.officers.models import HowKnown, Officer
from referral_api.officers.schemas import OfficerIn
from servicekit.auth import Principal


class SeenOfficers:
    """The officers this process has recorded already, so an officer's requests write once per
    process, not once per request. Only ever added to: nothing it remembers can go stale, since
    a record of an officer is never withdrawn by a sign-in."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._seen: set[tuple[str, str]] = set()

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._seen

    def add(self, key: tuple[str, str]) -> None:
        if len(self._seen) >= self.limit:
            self._seen.clear()  # forgetting only costs a repeated, harmless insert
        self._seen.add(key)


async def record_signed_in(
    *, session: AsyncSession, principal: Principal, now: datetime | None = None
) -> None:
    """An officer's own token vouches for their force(s) (those configured here)."""
    for force_id in sorted(principal.forces):
        if await force_repository.get(session=session, force_id=force_id) is None:
            continue
        await repository.add_if_unknown(
            session=session,
            force_id=force_id,
            officer_id=principal.subject,
            known_by=HowKnown.signed_in,
            at=now or datetime.now(UTC),
        )


async def register(
    *,
    session: AsyncSession,
    payload: OfficerIn,
    force_exists: bool,
    by: Principal,
    now: datetime | None = None,
) -> tuple[Officer, bool]:
    """An officer a force system will act for, before they ever use the portal. Returns the
    record and whether it is new."""
    if not by.can_see_force(payload.force):
        raise invalid_field("force", "is not one of the forces your token is for")
    if not force_exists:
        raise force_not_configured(payload.force)
    existing = await repository.get(
        session=session, force_id=payload.force, officer_id=payload.officer_id
    )
    if existing is not None:
        return existing, False
    await repository.add_if_unknown(
        session=session,
        force_id=payload.force,
        officer_id=payload.officer_id,
        known_by=HowKnown.registered,
        at=now or datetime.now(UTC),
        registered_by=by.subject,
    )
    officer = await repository.get(
        session=session, force_id=payload.force, officer_id=payload.officer_id
    )
    assert officer is not None
    return officer, True


async def check_acts_for(*, session: AsyncSession, force_id: str, officer_id: str | None) -> str:
    """The officer a force system refers for: named, and known to be of the system's force."""
    if not officer_id:
        raise invalid_field(
            "officer_id", "is required from a force system: name the officer you refer for"
        )
    if not await repository.is_known(session=session, force_id=force_id, officer_id=officer_id):
        raise invalid_field(
            "officer_id",
            f"is not an officer known in force {force_id!r}: they become known when they sign "
            "in to the portal, or when an administrator registers them (POST /v1/officers)",
        )
    return officer_id
