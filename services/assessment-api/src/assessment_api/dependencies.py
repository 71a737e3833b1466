"""Dependencies shared by assessment-api's routes: the settings and the calling worker's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from assessment_api.config import Settings
from assessment_api.exceptions import no_provider
from assessment_api.providers import repository as provider_repository
from servicekit.app import SessionDep, runtime_of
from servicekit.auth import Principal, Role, require_roles


async def settings_of(request: Request) -> Settings:
    settings = runtime_of(request).settings
    assert isinstance(settings, Settings)
    return settings


@dataclass(frozen=True)
class Worker:
    """A provider's worker and the forces whose cases they may work.

    Both conditions must hold for a force: the token names it, and the worker's provider serves
    it. Anything outside is invisible (404 by id, absent from lists).
    """

    principal: Principal
    provider_id: str
    forces: frozenset[str]

    @property
    def subject(self) -> str:
        return self.principal.subject

    def may_work(self, force_id: str) -> bool:
        return force_id in self.forces


async def current_worker(
    principal: Annotated[Principal, require_roles(Role.worker)], session: SessionDep
) -> Worker:
    if not principal.provider:
        raise no_provider()
    served = await provider_repository.forces_served(
        session=session, provider_id=principal.provider
    )
    return Worker(principal, principal.provider, principal.forces & served)


SettingsDep = Annotated[Settings, Depends(settings_of)]
WorkerDep = Annotated[Worker, Depends(current_worker)]
