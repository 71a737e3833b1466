"""The outcome feed: closed referrals for force systems, followed with a cursor."""

from __future__ import annotations

from fastapi import APIRouter

from referral_api.db import kit
from referral_api.outcomes import repository
from referral_api.outcomes.schemas import OutcomeFeed, OutcomeOut
from servicekit import cursors
from servicekit.access_log import record_access
from servicekit.app import SessionDep
from servicekit.auth import CurrentPrincipal, Role, Scope, require_roles
from servicekit.paging import CursorQuery, LimitQuery

router = APIRouter(prefix="/v1", tags=["outcomes"])


def _position(cursor: str | None) -> int:
    if not cursor:
        return 0
    (text,) = cursors.decode(cursor, 1)
    if not text.isdigit() or len(text) > 18:
        raise cursors.invalid_cursor()
    return int(text)


@router.get(
    "/outcomes",
    response_model=OutcomeFeed,
    operation_id="list_outcomes",
    responses={
        200: {
            "description": "Closed referrals after the cursor, oldest first.",
            "links": {
                "NextPage": {
                    "operationId": "list_outcomes",
                    "parameters": {"cursor": "$response.body#/next_cursor"},
                }
            },
        }
    },
    dependencies=[require_roles(Role.integration, scope=Scope.outcomes_read)],
)
async def list_outcomes(
    principal: CurrentPrincipal,
    session: SessionDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> OutcomeFeed:
    """The force's closed referrals, each once, in the order they were recorded: follow
    `next_cursor` for ever (an empty page gives the cursor back) and no outcome is missed, even
    when referrals close at the same moment on several instances."""
    position = _position(cursor)
    entries = await repository.after(
        session, forces=principal.forces, position=position, limit=limit
    )
    # an outcome is about a person, though it names nobody: who read it is kept, as for a referral
    for entry in entries:
        await record_access(
            session,
            kit,
            principal,
            action="read",
            resource_type="referral",
            resource_id=str(entry.referral_id),
            force_id=entry.force_id,
            purpose="outcome feed",
        )
    await session.commit()
    last = entries[-1].position if entries else position
    return OutcomeFeed(
        items=[OutcomeOut.of(e) for e in entries], next_cursor=cursors.encode(str(last))
    )
