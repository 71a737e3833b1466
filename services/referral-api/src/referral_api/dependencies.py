"""Dependencies shared by referral-api's routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from referral_api.config import Settings
from referral_api.exceptions import force_not_configured
from referral_api.forces.scheme import Scheme, SchemeCache
from servicekit.app import SessionDep, runtime_of
from servicekit.auth import CurrentPrincipal


async def settings_of(request: Request) -> Settings:
    settings = runtime_of(request).settings
    assert isinstance(settings, Settings)
    return settings


async def callers_force(
    request: Request, principal: CurrentPrincipal, session: SessionDep
) -> Scheme:
    """The scheme of the one force the caller acts for, which must be configured here."""
    cache: SchemeCache = request.app.state.schemes
    scheme = await cache.get(session=session, force_id=principal.force)
    if scheme is None:
        raise force_not_configured(principal.force)
    return scheme


async def current_time() -> datetime:
    """Now, in UTC. A dependency rather than a call in the route, so that a test can stand the
    service at a chosen moment (`app.dependency_overrides[current_time]`), on either side of a
    bar's expiry, without a setting that could fake time in production."""
    return datetime.now(UTC)


SettingsDep = Annotated[Settings, Depends(settings_of)]
ForceDep = Annotated[Scheme, Depends(callers_force)]
NowDep = Annotated[datetime, Depends(current_time)]
