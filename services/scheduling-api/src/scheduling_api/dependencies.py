"""Who may call which route: the roles, each a dependency giving the caller's principal."""

from __future__ import annotations

from typing import Annotated

from servicekit.auth import Principal, Role, require_roles

AdminDep = Annotated[Principal, require_roles(Role.admin)]
TimetableDep = Annotated[Principal, require_roles(Role.facilitator, Role.admin)]
BookingsDep = Annotated[Principal, require_roles(Role.worker, Role.facilitator)]
WorkerDep = Annotated[Principal, require_roles(Role.worker)]
FacilitatorDep = Annotated[Principal, require_roles(Role.facilitator)]
