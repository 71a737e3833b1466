"""Which worker may see which case: the calling worker, their scope, and one case in it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.cases import repository
from assessment_api.cases.models import Case
from assessment_api.cases.repository import Scope
from assessment_api.exceptions import case_not_found, no_provider
from servicekit.auth import Principal, Role, require_roles


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


WorkerDep = Annotated[Worker, Depends(current_worker)]


async def visible_case(session: AsyncSession, worker: Worker, case_id: uuid.UUID) -> Case:
    """The case if the worker may work it; 404 alike for missing and not theirs."""
    case = await repository.get_visible(session=session, scope=worker.scope, case_id=case_id)
    if case is None:
        raise case_not_found()
    return case
