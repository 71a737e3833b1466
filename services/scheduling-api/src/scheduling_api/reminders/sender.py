"""The reminder sender: sends each due reminder exactly once, across restarts and instances.

A reminder is claimed by one conditional UPDATE (pending and due, or a claim whose lease ran
out -> `sending`, with a fresh claim token and lease), committed BEFORE the provider is called:
of several senders only the one whose UPDATE changed the row sends. Its outcome is written only
while it still holds the claim (`WHERE claim_token = ...`): sent; or, after a temporary failure,
pending again after an exponential backoff; or failed, after the last attempt or a permanent
failure, with the reason (never personal data).

A sender that dies mid-send leaves its claim to expire. Whoever takes the reminder over next,
or retries one whose earlier attempt failed, first asks the provider for a message with the
reminder's reference and records that one as sent if it exists, so nobody gets it twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling_api.courses.models import CourseType
from scheduling_api.reminders import contact as contacts
from scheduling_api.reminders.message import Message, Where, compose
from scheduling_api.reminders.models import Reminder, ReminderStatus
from scheduling_api.reminders.notifier import (
    DeliveryFailed,
    Notifier,
    PermanentFailure,
    TemporaryFailure,
)
from scheduling_api.sessions.models import Session
from servicekit.db import Database
from servicekit.periodic import Periodic

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class SendResult:
    sent: list[uuid.UUID] = field(default_factory=list)
    retrying: list[uuid.UUID] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)
    too_late: list[uuid.UUID] = field(default_factory=list)

    @property
    def settled(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed) + len(self.too_late)


class TooLate(DeliveryFailed):
    """The session started before the reminder could go (the service was down, say): a
    reminder after the start would only confuse, so it is cancelled, not sent."""


@dataclass(frozen=True)
class Claim:
    reminder_id: uuid.UUID
    token: uuid.UUID
    attempts: int
    resumed: bool  # taken over from a sender whose lease ran out: it may have sent


def _claimable(status: ReminderStatus, now: datetime) -> Any:
    if status is ReminderStatus.pending:
        return and_(Reminder.status == ReminderStatus.pending, Reminder.next_attempt_at <= now)
    return and_(Reminder.status == ReminderStatus.sending, Reminder.lease_expires_at <= now)


class ReminderSender:
    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        *,
        interval_seconds: float = 30,
        batch_size: int = 50,
        lease_seconds: float = 300,
        max_attempts: int = 5,
        retry_seconds: float = 60,
        clock: Clock = system_clock,
    ) -> None:
        self.db = db
        self.notifier = notifier
        self.batch_size = batch_size
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.retry = timedelta(seconds=retry_seconds)
        self.clock = clock
        self.periodic = Periodic("reminder-sender", self._step, every_seconds=interval_seconds)

    async def due(self, now: datetime) -> list[tuple[uuid.UUID, ReminderStatus]]:
        """Reminders due at `now`, and claims whose lease ran out, earliest first."""
        async with self.db.session() as session:
            rows = await session.execute(
                select(Reminder.id, Reminder.status)
                .where(
                    or_(
                        _claimable(ReminderStatus.pending, now),
                        _claimable(ReminderStatus.sending, now),
                    )
                )
                .order_by(Reminder.next_attempt_at, Reminder.id)
                .limit(self.batch_size)
            )
            return [(row[0], row[1]) for row in rows]

    async def claim(
        self, reminder_id: uuid.UUID, seen: ReminderStatus, now: datetime
    ) -> Claim | None:
        """Take the reminder for this sender, committed; None when another sender has it."""
        token = uuid.uuid4()
        async with self.db.session() as session:
            result = await session.execute(
                update(Reminder)
                .where(Reminder.id == reminder_id, _claimable(seen, now))
                .values(
                    status=ReminderStatus.sending,
                    claim_token=token,
                    lease_expires_at=now + self.lease,
                    attempts=Reminder.attempts + 1,
                    updated_at=now,
                )
                .returning(Reminder.attempts)
                .execution_options(synchronize_session=False)
            )
            attempts = result.scalar_one_or_none()
            if attempts is None:
                await session.rollback()
                return None
            await session.commit()
        return Claim(reminder_id, token, attempts, resumed=seen is ReminderStatus.sending)

    async def message_of(
        self, session: AsyncSession, reminder: Reminder, now: datetime
    ) -> Message | None:
        contact = await contacts.contact_of(session, reminder.referral_id)
        seat = await session.get(Session, reminder.session_id)
        if contact is None or seat is None:
            return None
        if seat.starts_at <= now:
            raise TooLate("Not sent: the session had started before the reminder could go.")
        course = await session.get(CourseType, seat.course_type_id)
        return compose(
            reference=reminder.id,
            force_id=reminder.force_id,
            kind=reminder.kind,
            channel=reminder.channel,
            contact=contact,
            course_name=course.name if course is not None else "your session",
            starts_at=seat.starts_at,
            where=Where(join_link=seat.join_link, venue=seat.venue),
        )

    async def deliver(self, claim: Claim, now: datetime) -> str:
        """Send the claimed reminder, unless the provider already has it; the provider's id."""
        async with self.db.session() as session:
            reminder = await session.get(Reminder, claim.reminder_id)
            assert reminder is not None
            message = await self.message_of(session, reminder, now)
        if message is None:
            raise PermanentFailure("The person's contact is no longer kept; nothing was sent.")
        if claim.resumed or claim.attempts > 1:
            found = await self.notifier.find(message.reference)
            if found is not None:
                log.info("reminder %s: the provider already had it; recorded as sent", reminder.id)
                return found
        return await self.notifier.send(message)

    async def settle(self, claim: Claim, values: dict[str, Any], now: datetime) -> bool:
        """Write the outcome while the claim is still ours; False when it was taken over."""
        async with self.db.session() as session:
            result = await session.execute(
                update(Reminder)
                .where(
                    Reminder.id == claim.reminder_id,
                    Reminder.claim_token == claim.token,
                    Reminder.status == ReminderStatus.sending,
                )
                .values(claim_token=None, lease_expires_at=None, updated_at=now, **values)
                .returning(Reminder.referral_id)
                .execution_options(synchronize_session=False)
            )
            referral_id = result.scalar_one_or_none()
            if referral_id is None:
                await session.rollback()
                log.warning(
                    "reminder %s: its claim was taken over before it settled", claim.reminder_id
                )
                return False
            await contacts.erase_if_closed(session, referral_id)
            await session.commit()
        return True

    async def send_one(self, claim: Claim, now: datetime, result: SendResult) -> None:
        try:
            provider_id = await self.deliver(claim, now)
        except TooLate as exc:
            values: dict[str, Any] = {"status": ReminderStatus.cancelled, "last_error": str(exc)}
            if await self.settle(claim, values, now):
                log.info("reminder %s: not sent, its session had started", claim.reminder_id)
                result.too_late.append(claim.reminder_id)
            return
        except DeliveryFailed as exc:
            reason = str(exc)[:500]
            if isinstance(exc, TemporaryFailure) and claim.attempts < self.max_attempts:
                backoff = self.retry * (2 ** (claim.attempts - 1))
                values = {
                    "status": ReminderStatus.pending,
                    "next_attempt_at": now + backoff,
                    "last_error": reason,
                }
                if await self.settle(claim, values, now):
                    log.info(
                        "reminder %s: attempt %d failed, trying again in %s",
                        claim.reminder_id,
                        claim.attempts,
                        backoff,
                    )
                    result.retrying.append(claim.reminder_id)
                return
            values = {"status": ReminderStatus.failed, "last_error": reason}
            if await self.settle(claim, values, now):
                log.warning(
                    "reminder %s failed after %d attempt(s): %s",
                    claim.reminder_id,
                    claim.attempts,
                    reason,
                )
                result.failed.append(claim.reminder_id)
            return
        values = {"status": ReminderStatus.sent, "sent_at": now, "provider_id": provider_id}
        if await self.settle(claim, values, now):
            log.info("reminder %s sent", claim.reminder_id)
            result.sent.append(claim.reminder_id)

    async def run_once(self, now: datetime | None = None) -> SendResult:
        now = now or self.clock()
        result = SendResult()
        for reminder_id, seen in await self.due(now):
            claim = await self.claim(reminder_id, seen, now)
            if claim is not None:
                await self.send_one(claim, now, result)
        return result

    async def _step(self) -> bool:
        # a full batch means more may be due: go again at once
        return (await self.run_once()).settled >= self.batch_size

    async def start(self) -> None:
        await self.periodic.start()

    async def stop(self) -> None:
        await self.periodic.stop()
