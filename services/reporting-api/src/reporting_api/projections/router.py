"""POST /v1/admin/rebuild and GET /v1/admin/rebuilds/{generation}: replaying the streams into
fresh projections."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from reporting_api.dependencies import AdminDep, NowDep
from reporting_api.projections.models import Generation, GenerationState
from reporting_api.projections.rebuild import Rebuilder, RebuildRunning
from servicekit.app import SessionDep, runtime_of
from servicekit.problems import Problem, problem_responses

router = APIRouter(prefix="/v1/admin", tags=["rebuild"])


class RebuildOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    generation: int = Field(description="The projections' generation the rebuild fills.")
    state: GenerationState
    requested_at: datetime
    activated_at: datetime | None = Field(description="When reports started reading it.")
    finished_at: datetime | None
    events_replayed: int = Field(description="Events replayed so far.")
    error: str | None = Field(description="Why it failed, when it did.")


def _running(generation: Generation) -> Problem:
    return Problem(
        409,
        "rebuild-running",
        "A rebuild is already running",
        f"Generation {generation.generation} is being rebuilt: follow it at "
        f"/v1/admin/rebuilds/{generation.generation} and ask again once it has finished.",
    )


@router.post(
    "/rebuild",
    status_code=202,
    response_model=RebuildOut,
    operation_id="rebuild_projections",
    responses={
        202: {
            "description": "The rebuild has started; follow it at the Location.",
            "links": {
                "GetRebuild": {
                    "operationId": "get_rebuild",
                    "parameters": {"generation": "$response.body#/generation"},
                }
            },
        },
        **problem_responses((409, "A rebuild is already running.")),
    },
)
async def rebuild_projections(
    request: Request, response: Response, admin: AdminDep, now: NowDep
) -> Any:
    """Replay the imported history and every stream from the start into a fresh generation of
    the projections, then swap it in. Reports keep answering from the current generation until
    the swap. Safe to repeat: while one runs, another request is a 409 naming it."""
    rebuilder = runtime_of(request).component(Rebuilder)
    try:
        generation = await rebuilder.request(now)
    except RebuildRunning as exc:
        raise _running(exc.generation) from exc
    except IntegrityError as exc:  # another instance started one at the same moment
        raise Problem(
            409,
            "rebuild-running",
            "A rebuild is already running",
            "Another rebuild started at the same moment: see /v1/admin/rebuilds.",
        ) from exc
    response.headers["Location"] = f"/v1/admin/rebuilds/{generation.generation}"
    return RebuildOut.model_validate(generation)


@router.get(
    "/rebuilds/{generation}",
    response_model=RebuildOut,
    operation_id="get_rebuild",
    responses=problem_responses((404, "No such generation.")),
)
async def get_rebuild(
    generation: Annotated[int, Path(ge=1, le=2**31 - 1)], admin: AdminDep, session: SessionDep
) -> Any:
    """A rebuild's progress: `building`, then `active` (reports read it) or `failed`."""
    row = await session.scalar(select(Generation).where(Generation.generation == generation))
    if row is None:
        raise Problem(404, "not-found", "No such rebuild", f"There is no generation {generation}.")
    return RebuildOut.model_validate(row)
