"""GET /v1/reminders and POST /v1/reminders/{id}/retry: what went, what failed, and why.

Administrators read their forces' reminders. Where the deployment records messages instead of
sending them, each reminder shows its message; reading one is a read of personal data, so it is
written to the access log.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling_api.db import kit
from scheduling_api.dependencies import AdminDep
from scheduling_api.exceptions import conflict, not_found
from scheduling_api.reminders.models import RecordedMessage, Reminder, ReminderStatus
from scheduling_api.reminders.schemas import RecordedMessageOut, ReminderOut, ReminderPage
from scheduling_api.responses import CONFLICT
from scheduling_api.sessions.models import Session
from servicekit.access_log import record_access
from servicekit.app import SessionDep
from servicekit.auth import Principal
from servicekit.idempotency import OptionalIdempotencyKey, StoredResponse, respond_once, scope_for
from servicekit.paging import CursorQuery, LimitQuery, paginate
from servicekit.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["reminders"])

READ_PURPOSE = "an administrator checks the reminder messages recorded for a person"


async def _out(
    session: AsyncSession,
    principal: Principal,
    reminders: Sequence[Reminder],
    *,
    with_messages: bool = True,
) -> list[ReminderOut]:
    """The reminders, each with its recorded message (each read written to the access log, in
    the caller's transaction)."""
    messages: dict[uuid.UUID, RecordedMessage] = {}
    if with_messages:
        query = select(RecordedMessage).where(
            RecordedMessage.reminder_id.in_([r.id for r in reminders])
        )
        messages = {m.reminder_id: m for m in (await session.scalars(query)).all()}
    for reminder in reminders:
        if reminder.id in messages:
            await record_access(
                session,
                kit,
                principal,
                action="read",
                resource_type="recorded_message",
                resource_id=str(reminder.id),
                force_id=reminder.force_id,
                purpose=READ_PURPOSE,
            )
    return [
        ReminderOut.of(
            r,
            next_attempt_at=r.next_attempt_at if r.status is ReminderStatus.pending else None,
            message=None
            if r.id not in messages
            else RecordedMessageOut(
                recipient=messages[r.id].recipient,
                text=messages[r.id].text,
                recorded_at=messages[r.id].recorded_at,
            ),
        )
        for r in reminders
    ]


async def visible_reminder(
    session: AsyncSession, principal: Principal, reminder_id: uuid.UUID
) -> Reminder:
    """The reminder if it is one of the caller's forces'; 404 alike for missing and not theirs."""
    found = await session.get(Reminder, reminder_id)
    if found is None or not principal.can_see_force(found.force_id):
        raise not_found("reminder")
    return found


@router.get("/reminders", response_model=ReminderPage, operation_id="list_reminders")
async def list_reminders(
    admin: AdminDep,
    session: SessionDep,
    status: Annotated[
        ReminderStatus | None, Query(description="Only these, e.g. `failed`.")
    ] = None,
    referral_id: Annotated[uuid.UUID | None, Query(description="One person's reminders.")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 20,
) -> ReminderPage:
    """Reminders of the administrator's forces, latest due first, with their outcome."""
    query = select(Reminder).where(Reminder.force_id.in_(admin.forces))
    if status is not None:
        query = query.where(Reminder.status == status)
    if referral_id is not None:
        query = query.where(Reminder.referral_id == referral_id)
    found = await paginate(
        session,
        query,
        order=(Reminder.due_at, Reminder.id),
        cursor=cursor,
        limit=limit,
        descending=True,
    )
    items = await _out(session, admin, found.rows)
    await session.commit()  # the access log of the messages read
    return ReminderPage(items=items, next_cursor=found.next_cursor)


@router.post(
    "/reminders/{reminder_id}/retry",
    response_model=ReminderOut,
    operation_id="retry_reminder",
    responses=problem_responses(404, CONFLICT),
)
async def retry_reminder(
    reminder_id: uuid.UUID, admin: AdminDep, session: SessionDep, key: OptionalIdempotencyKey
) -> Any:
    """Try a failed reminder again (after fixing its cause: a template, the key), from its
    first attempt; the sender sends it within its interval. Not once its session has started
    (a reminder of a cancelled or moved booking is cancelled, not failed)."""
    reminder = await visible_reminder(session, admin, reminder_id)

    async def perform() -> StoredResponse:
        if reminder.status is not ReminderStatus.failed:
            raise conflict(
                f"The reminder is {reminder.status}; only a failed reminder can be retried.",
                slug="reminder-state",
            )
        now = datetime.now(UTC)
        seat = await session.get(Session, reminder.session_id)
        if seat is None or seat.starts_at <= now:
            raise conflict(
                "The session has started; a reminder of it would come too late.",
                slug="reminder-state",
            )
        reminder.status = ReminderStatus.pending
        reminder.attempts = 0
        reminder.next_attempt_at = now
        reminder.updated_at = now
        await session.flush()
        out = (await _out(session, admin, [reminder], with_messages=False))[0]
        return StoredResponse(200, out.model_dump(mode="json"), {})

    answer = await respond_once(
        session,
        kit,
        key=key,
        scope=scope_for(admin.subject, f"POST /v1/reminders/{reminder_id}/retry"),
        payload={},
        perform=perform,
    )
    return answer.json_response()
