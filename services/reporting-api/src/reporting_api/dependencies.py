"""Who may call which route: the roles, each a dependency giving the caller's principal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends

from servicekit.auth import Principal, Role, require_roles

AdminDep = Annotated[Principal, require_roles(Role.admin)]
# analysts (the commissioner's office, force analysts) and supervisors read aggregates only
ReaderDep = Annotated[Principal, require_roles(Role.analyst, Role.supervisor)]


async def clock() -> datetime:
    """The time a request is answered at: one dependency, so a test sets the clock
    (`app.dependency_overrides[clock]`) rather than waiting for time to pass."""
    return datetime.now(UTC)


NowDep = Annotated[datetime, Depends(clock)]
