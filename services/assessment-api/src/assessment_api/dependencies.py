"""Dependencies shared by assessment-api's routes: the settings and the calling worker's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from assessment_api.cases.repository import Scope
from assessment_api.config import Settings
from assessment_api.exceptions import no_provider
from servicekit.app import runtime_of
from servicekit.auth import Principal, Role, require_roles


async def settings_of(request: Request) -> Settings:
    settings = runtime_of(request).settings
    assert isinstance(settings, Settings)
    return settings


@dataclass(frozen=True)
class Worker:
    """A provider's worker: the provider they work for and the forces their token names.

    A case is theirs only when both hold: it belongs to their provider (the provider that served
    its force when it opened) and its force is one their token names. Anything else is
    invisible: 404 by id, exactly as a case that does not exist, and absent from lists.
    """

    principal: Principal
    provider_id: str

    @property
    def subject(self) -> str:
        return self.principal.subject

    @property
    def forces(self) -> frozenset[str]:
        """The forces the token names."""
        return self.principal.forces

    @property
    def scope(self) -> Scope:
        return Scope(provider_id=self.provider_id, forces=self.principal.forces)


async def current_worker(
    principal: Annotated[Principal, require_roles(Role.worker)],
) -> Worker:
    if not principal.provider:
        raise no_provider()
    return Worker(principal, principal.provider)


SettingsDep = Annotated[Settings, Depends(settings_of)]
WorkerDep = Annotated[Worker, Depends(current_worker)]
