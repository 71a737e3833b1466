"""GET /v1/services: the local services directory, searchable by need and postcode."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assessment_api.cases import repository as case_repository
from assessment_api.cases.dependencies import WorkerDep
from assessment_api.directory import repository
from assessment_api.directory.postcodes import district_of
from assessment_api.directory.schemas import DirectoryPage, DirectoryServiceOut
from assessment_api.exceptions import invalid_field
from assessment_api.providers import repository as provider_repository
from contracts.vocabulary import NeedDomain
from servicekit.app import SessionDep
from servicekit.paging import CursorQuery, LimitQuery

router = APIRouter(prefix="/v1", tags=["directory"])


@router.get(
    "/services",
    response_model=DirectoryPage,
    operation_id="search_services",
    responses={
        200: {
            "description": "One page of services.",
            "links": {
                "NextPage": {
                    "operationId": "search_services",
                    "parameters": {"cursor": "$response.body#/next_cursor"},
                }
            },
        }
    },
)
async def search_services(
    worker: WorkerDep,
    session: SessionDep,
    need: Annotated[NeedDomain | None, Query(description="The need to meet.")] = None,
    postcode: Annotated[
        str | None,
        Query(
            max_length=10,
            description="The person's postcode or postcode district (B1 1AA or B1).",
            examples=["B1"],
        ),
    ] = None,
    force: Annotated[
        str | None, Query(max_length=64, description="One of your forces; all when absent.")
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> DirectoryPage:
    """Local services of your forces' areas that meet a need, near a postcode, by name.

    Your forces: those your token names that your provider serves, or in which it still has
    open cases to finish (a force that has moved to another provider).
    """
    district = None
    if postcode is not None:
        district = district_of(postcode)
        if district is None:
            raise invalid_field("postcode", "enter a postcode or a postcode district, like B1")
    worked = await provider_repository.forces_served(
        session=session, provider_id=worker.provider_id
    ) | await case_repository.forces_with_open_cases(
        session=session, provider_id=worker.provider_id
    )
    forces = worker.forces & worked
    if force is not None:
        forces &= {force}
    found = await repository.search(
        session=session,
        forces=forces,
        need=need,
        district=district,
        cursor=cursor,
        limit=limit,
    )
    needs = await repository.needs_of(session=session, services=found.rows)
    return DirectoryPage(
        items=[
            DirectoryServiceOut.of(s, organisation=s, needs=needs.get((s.force_id, s.id), []))
            for s in found.rows
        ],
        next_cursor=found.next_cursor,
    )
