"""GET /v1/force: the caller's force settings the portal needs (areas, bar period)."""

from __future__ import annotations

from fastapi import APIRouter

from referral_api.dependencies import ForceDep
from referral_api.forces.schemas import ForceOut
from servicekit.auth import Role, Scope, require_roles

router = APIRouter(prefix="/v1", tags=["force"])


@router.get(
    "/force",
    response_model=ForceOut,
    dependencies=[
        require_roles(
            Role.officer, Role.supervisor, Role.integration, Role.admin, scope=Scope.scheme_read
        )
    ],
)
async def get_force(force: ForceDep) -> ForceOut:
    """The caller's force: its areas and scheme settings."""
    return ForceOut.of(force)
