"""GET/POST /v1/course-types: the force's courses, one per pathway."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body
from sqlalchemy import select

from scheduling_api.courses.models import CourseType
from scheduling_api.courses.schemas import (
    CourseTypeIn,
    CourseTypeOut,
    CourseTypePage,
    example_course_type,
)
from scheduling_api.courses.service import course_of
from scheduling_api.db import kit
from scheduling_api.dependencies import AdminDep
from scheduling_api.exceptions import conflict
from scheduling_api.responses import CONFLICT
from servicekit.app import SessionDep
from servicekit.idempotency import OptionalIdempotencyKey, StoredResponse, respond_once, scope_for
from servicekit.paging import CursorQuery, LimitQuery, paginate
from servicekit.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["course types"])


@router.get("/course-types", response_model=CourseTypePage, operation_id="list_course_types")
async def list_course_types(
    admin: AdminDep, session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 20
) -> CourseTypePage:
    """The courses of the administrator's forces, oldest first."""
    query = select(CourseType).where(CourseType.force_id.in_(admin.forces))
    found = await paginate(
        session,
        query,
        order=(CourseType.force_id, CourseType.created_at, CourseType.id),
        cursor=cursor,
        limit=limit,
    )
    return CourseTypePage(
        items=[CourseTypeOut.of(c) for c in found.rows], next_cursor=found.next_cursor
    )


@router.post(
    "/course-types",
    status_code=201,
    response_model=CourseTypeOut,
    operation_id="create_course_type",
    responses={
        201: {
            "description": "The course is added.",
            "links": {
                "ListCourseTypes": {"operationId": "list_course_types"},
            },
        },
        **problem_responses(CONFLICT),
    },
)
async def create_course_type(
    body: Annotated[
        CourseTypeIn, Body(openapi_examples={"nitrous oxide": {"value": example_course_type()}})
    ],
    admin: AdminDep,
    session: SessionDep,
    key: OptionalIdempotencyKey,
) -> Any:
    """Add the force's course for a pathway (one per pathway: 409 when it has one)."""
    force_id = admin.force

    async def perform() -> StoredResponse:
        if await course_of(session, force_id, body.pathway) is not None:
            raise conflict(
                f"The force already runs a {body.pathway} course; add sessions to it instead.",
                slug="course-exists",
            )
        course = CourseType(
            id=uuid.uuid4(),
            force_id=force_id,
            pathway=body.pathway,
            name=body.name,
            duration_minutes=body.duration_minutes,
            created_at=datetime.now(UTC),
        )
        session.add(course)
        await session.flush()
        return StoredResponse(201, CourseTypeOut.of(course).model_dump(mode="json"), {})

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(admin.subject, "POST /v1/course-types"),
        payload=body.model_dump(mode="json"),
        perform=perform,
    )
    return answer.json_response()
