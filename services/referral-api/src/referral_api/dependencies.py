"""Dependencies shared by referral-api's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from referral_api.config import Settings
from referral_api.exceptions import force_not_configured
from referral_api.forces import repository as force_repository
from referral_api.forces.models import Force
from servicekit.app import SessionDep, runtime_of
from servicekit.auth import CurrentPrincipal


def settings_of(request: Request) -> Settings:
    settings = runtime_of(request).settings
    assert isinstance(settings, Settings)
    return settings


async def callers_force(principal: CurrentPrincipal, session: SessionDep) -> Force:
    """The one force the caller acts for, which must be configured here."""
    force = await force_repository.get(session=session, force_id=principal.force)
    if force is None:
        raise force_not_configured(principal.force)
    return force


SettingsDep = Annotated[Settings, Depends(settings_of)]
ForceDep = Annotated[Force, Depends(callers_force)]
