"""Who may call which route: the roles, each a dependency giving the caller's principal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends

from servicekit.auth import Principal, Role, require_roles

AdminDep = Annotated[Principal, require_roles(Role.admin)]
TimetableDep = Annotated[Principal, require_roles(Role.facilitator, Role.admin)]
BookingsDep = Annotated[Principal, require_roles(Role.worker, Role.facilitator)]
WorkerDep = Annotated[Principal, require_roles(Role.worker)]
FacilitatorDep = Annotated[Principal, require_roles(Role.facilitator)]


async def clock() -> datetime:
    """The time a request is answered at: one dependency, so a test sets the clock
    (`app.dependency_overrides[clock]`) rather than waiting for time to pass."""
    return datetime.now(UTC)


NowDep = Annotated[datetime, Depends(clock)]
