"""The webhook sender: delivers each message due, retrying with backoff, giving up into the
failed list after the last attempt.

Safe on several instances at once: a sender first claims a message with a conditional UPDATE
(still pending, due, and held by no other sender's lease) that also counts the attempt; only the
winner sends, and it writes the result only while its claim holds. The lease outlasts an attempt
(settings refuse a lease shorter than the timeout), so no two senders send one message at once,
and a sender that dies mid-attempt leaves the message to be tried again when its lease runs out.

Redirects are never followed (a 3xx is a failed attempt): a receiver could otherwise point the
platform at an address it would have refused on registration.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from referral_api.webhooks import repository
from referral_api.webhooks.addresses import RefusedAddress, Resolver, check_url, resolve
from referral_api.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from referral_api.webhooks.signing import headers, signing_secrets
from servicekit.db import Database
from servicekit.periodic import Periodic

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Retry:
    """How often and how patiently a message is tried."""

    max_attempts: int = 12
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 6 * 3600.0
    timeout_seconds: float = 10.0
    lease_seconds: float = 120.0

    def pause(self, attempts: int, jitter: float) -> timedelta:
        """After `attempts` failed attempts: the doubling pause, in [half, all] of it by
        `jitter` (0 to 1), so receivers coming back are not met by every sender at once."""
        full = min(self.backoff_max_seconds, self.backoff_seconds * 2 ** (attempts - 1))
        return timedelta(seconds=full / 2 + full / 2 * jitter)


@dataclass
class SendResult:
    delivered: list[str] = field(default_factory=list)  # webhook-ids
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Claimed:
    delivery_id: uuid.UUID
    token: uuid.UUID
    message_id: str
    body: str
    attempts: int
    url: str
    secrets: list[str]


class WebhookSender:
    def __init__(
        self,
        db: Database,
        *,
        retry: Retry,
        development: bool,
        interval_seconds: float = 2.0,
        batch_size: int = 50,
        clock: Clock = system_clock,
        jitter: Callable[[], float] = random.random,
        resolver: Resolver = resolve,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.db = db
        self.retry = retry
        self.development = development
        self.batch_size = batch_size
        self.clock = clock
        self.jitter = jitter
        self.resolver = resolver
        self.transport = transport
        self.periodic = Periodic("webhook-sender", self._step, every_seconds=interval_seconds)

    async def _claim(self, now: datetime) -> list[_Claimed]:
        claimed: list[_Claimed] = []
        lease_until = now + timedelta(seconds=self.retry.lease_seconds)
        async with self.db.session() as session:
            await repository.drop_expired_secrets(session=session, now=now)
            candidates = await repository.due(session=session, now=now, limit=self.batch_size)
            for delivery_id in candidates:
                token = uuid.uuid4()
                if not await repository.claim(
                    session=session,
                    delivery_id=delivery_id,
                    token=token,
                    now=now,
                    lease_until=lease_until,
                ):
                    continue  # another sender has it
                delivery = await session.get(WebhookDelivery, delivery_id, populate_existing=True)
                assert delivery is not None
                endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
                assert endpoint is not None
                claimed.append(
                    _Claimed(
                        delivery_id=delivery_id,
                        token=token,
                        message_id=delivery.message_id,
                        body=delivery.body,
                        attempts=delivery.attempts,
                        url=endpoint.url,
                        secrets=signing_secrets(
                            endpoint.secret,
                            endpoint.previous_secret,
                            endpoint.previous_secret_until,
                            now,
                        ),
                    )
                )
            await session.commit()
        return claimed

    async def _attempt(
        self, client: httpx.AsyncClient, message: _Claimed, now: datetime
    ) -> tuple[int | None, str | None]:
        """The receiver's status code, or why there was none."""
        try:
            await check_url(message.url, development=self.development, resolver=self.resolver)
        except RefusedAddress as refused:
            return None, f"the URL {refused}"
        try:
            response = await client.post(
                message.url,
                content=message.body.encode(),
                headers=headers(
                    message_id=message.message_id,
                    body=message.body,
                    at=now,
                    secrets_=message.secrets,
                ),
            )
        except httpx.TimeoutException:
            return None, f"no answer within {self.retry.timeout_seconds:g} s"
        except httpx.HTTPError as error:
            return None, f"could not connect: {type(error).__name__}"
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"the receiver answered {response.status_code}"

    async def _record(
        self, message: _Claimed, status_code: int | None, error: str | None, now: datetime
    ) -> DeliveryStatus:
        values: dict[str, object] = {"last_status_code": status_code, "last_error": error}
        if error is None:
            outcome = DeliveryStatus.delivered
            values |= {"status": outcome, "delivered_at": now}
        elif message.attempts >= self.retry.max_attempts:
            outcome = DeliveryStatus.failed
            values |= {"status": outcome}
        else:
            outcome = DeliveryStatus.pending
            values |= {"next_attempt_at": now + self.retry.pause(message.attempts, self.jitter())}
        async with self.db.session() as session:
            await repository.record_attempt(
                session=session, delivery_id=message.delivery_id, token=message.token, **values
            )
            await session.commit()
        return outcome

    async def run_once(self, now: datetime | None = None) -> SendResult:
        """Claim what is due at `now`, attempt each message at once, record each result."""
        now = now or self.clock()
        claimed = await self._claim(now)
        result = SendResult()
        if not claimed:
            return result
        async with httpx.AsyncClient(
            follow_redirects=False,
            timeout=self.retry.timeout_seconds,
            transport=self.transport,
            headers={"user-agent": "diversion-referral-api-webhooks/1"},
        ) as client:
            answers = await asyncio.gather(*(self._attempt(client, m, now) for m in claimed))
        for message, (status_code, error) in zip(claimed, answers, strict=True):
            outcome = await self._record(message, status_code, error, now)
            {
                DeliveryStatus.delivered: result.delivered,
                DeliveryStatus.pending: result.retrying,
                DeliveryStatus.failed: result.failed,
            }[outcome].append(message.message_id)
            if outcome is DeliveryStatus.failed:
                log.warning(
                    "webhook message %s given up after %d attempts: %s",
                    message.message_id,
                    message.attempts,
                    error,
                )
        return result

    async def _step(self) -> bool:
        result = await self.run_once()
        # a full batch means more may be waiting: go again at once
        return len(result.delivered) + len(result.retrying) + len(result.failed) >= self.batch_size

    async def start(self) -> None:
        await self.periodic.start()

    async def stop(self) -> None:
        await self.periodic.stop()
