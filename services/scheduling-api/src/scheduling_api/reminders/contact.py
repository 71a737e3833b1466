"""Opening the sealed reminder contact, keeping it encrypted, and erasing it when done.

The contact reaches this service only sealed to its key, inside `assessment.completed.v1`. It is
opened here, stored encrypted at rest, and never written to a log, an event or an error: the log
lines below say why no reminders will go, and nothing about the person.

Data minimisation: once the person's scheduling ends (withdrawn, completed, did not engage) the
contact is kept only until no reminder of theirs is pending or being sent, then deleted.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.v1 import ReminderContact
from contracts.sealed import SealedField, SealedFieldError, open_sealed
from scheduling_api.reminders.models import Reminder, ReminderStatus, StoredContact

log = logging.getLogger(__name__)

IN_FLIGHT = (ReminderStatus.pending, ReminderStatus.sending)


def open_contact(
    sealed: SealedField | None, *, private_key: str | None, referral_id: uuid.UUID
) -> ReminderContact | None:
    """The contact reminders go to, or None (logged, without any contact data) when there is
    none to use: no reminders are scheduled, the booking still happens."""
    if sealed is None:
        log.info("referral %s: no reminders: the assessment carried no contact", referral_id)
        return None
    if private_key is None:
        log.warning(
            "referral %s: no reminders: SCHEDULING_PRIVATE_KEY is not set, so the sealed "
            "contact cannot be opened",
            referral_id,
        )
        return None
    try:
        contact = ReminderContact.model_validate_json(open_sealed(sealed, private_key=private_key))
    except SealedFieldError:
        log.warning(
            "referral %s: no reminders: the sealed contact does not open with this service's "
            "key (sealed to key %r; wrong key or altered)",
            referral_id,
            sealed.kid,
        )
        return None
    except (ValidationError, ValueError):
        # the message may quote the field's content: none of it goes to the log
        log.warning("referral %s: no reminders: the opened contact is not readable", referral_id)
        return None
    if not contact.phone and not contact.email:
        log.info("referral %s: no reminders: the contact has no phone and no email", referral_id)
        return None
    return contact


async def keep(
    session: AsyncSession,
    *,
    referral_id: uuid.UUID,
    force_id: str,
    contact: ReminderContact,
    now: datetime,
) -> None:
    """Store the contact, encrypted, for the referral's reminders."""
    session.add(
        StoredContact(
            referral_id=referral_id,
            force_id=force_id,
            contact=contact.model_dump(mode="json"),
            closed_at=None,
            created_at=now,
        )
    )
    await session.flush()


async def contact_of(session: AsyncSession, referral_id: uuid.UUID) -> ReminderContact | None:
    row = await session.get(StoredContact, referral_id)
    return None if row is None else ReminderContact.model_validate(row.contact)


async def close(session: AsyncSession, *, referral_id: uuid.UUID, now: datetime) -> None:
    """The person's scheduling ended: erase their contact now, or once their last reminder in
    flight is settled (`erase_if_closed`)."""
    row = await session.get(StoredContact, referral_id)
    if row is None:
        return
    row.closed_at = now
    await session.flush()
    await erase_if_closed(session, referral_id)


async def erase_if_closed(session: AsyncSession, referral_id: uuid.UUID) -> bool:
    """Delete the contact of a closed referral with no reminder pending or being sent."""
    in_flight = exists().where(Reminder.referral_id == referral_id, Reminder.status.in_(IN_FLIGHT))
    result = await session.execute(
        delete(StoredContact).where(
            StoredContact.referral_id == referral_id,
            StoredContact.closed_at.is_not(None),
            ~in_flight,
        )
    )
    erased = bool(getattr(result, "rowcount", 0))
    if erased:
        log.info("referral %s: reminder contact erased (scheduling ended)", referral_id)
    return erased


async def is_kept(session: AsyncSession, referral_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(StoredContact.referral_id).where(StoredContact.referral_id == referral_id)
    )
    return found is not None
