"""POST /v1/officers: an officer a force system will act for, registered by an administrator."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from referral_api.db import kit
from referral_api.forces import repository as force_repository
from referral_api.officers import service
from referral_api.officers.schemas import OfficerIn, OfficerOut
from servicekit.access_log import record_access
from servicekit.app import SessionDep
from servicekit.auth import Principal, Role, require_roles

router = APIRouter(prefix="/v1", tags=["officers"])


@router.post(
    "/officers",
    status_code=201,
    response_model=OfficerOut,
    operation_id="register_officer",
    responses={200: {"description": "Known already: the record as it was."}},
)
async def register_officer(
    body: Annotated[
        OfficerIn,
        Body(openapi_examples={"officer": {"value": {"force": "demo", "officer_id": "pc-4471"}}}),
    ],
    principal: Annotated[Principal, require_roles(Role.admin)],
    session: SessionDep,
) -> JSONResponse:
    """Record that an officer is of a force, so its systems may refer for them before they
    have signed in to the portal. Registering them again changes nothing."""
    force = await force_repository.get(session=session, force_id=body.force)
    officer, new = await service.register(
        session=session, payload=body, force_exists=force is not None, by=principal
    )
    if new:
        await record_access(
            session,
            kit,
            principal,
            action="register",
            resource_type="officer",
            resource_id=officer.officer_id,
            force_id=officer.force_id,
            purpose="register an officer a force system acts for",
        )
    await session.commit()
    return JSONResponse(
        OfficerOut.of(officer).model_dump(mode="json"), status_code=201 if new else 200
    )
