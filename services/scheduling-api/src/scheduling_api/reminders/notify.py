"""Reminders through GOV.UK Notify, with its own Python client.

The client is synchronous, so each call runs on a worker thread, off the event loop; it is not
thread-safe, so each call makes its own. Templates are each force's, per channel and kind
(`notify_templates`). The reference sent with each message is the reminder id.

Notify's documented answers: 400 (bad request: a template, a recipient) and 403 (the key) will
not change by trying again, so they are permanent; 429 (rate limit), 5xx and a network that
does not answer are temporary.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from scheduling_api.reminders.message import Message
from scheduling_api.reminders.models import Channel, NotifyTemplate
from scheduling_api.reminders.notifier import PermanentFailure, TemporaryFailure
from servicekit.db import Database

PRODUCTION_URL = "https://api.notifications.service.gov.uk"

# The client logs each failed request with Notify's message, which may quote the recipient: its
# warnings are left out, and the failure is logged here, the recipient taken out (`_reason`).
logging.getLogger("notifications_python_client").setLevel(logging.ERROR)
PERMANENT = {400, 403}
LONGEST_ERROR = 480

T = TypeVar("T")


def _reason(error: APIError, *, scrub: str | None = None) -> str:
    """Notify's status and its error messages, with the recipient (if quoted) taken out."""
    detail = error.message
    if isinstance(detail, list):
        detail = "; ".join(
            f"{item.get('error', '')}: {item.get('message', '')}"
            for item in detail
            if isinstance(item, dict)
        )
    text = f"GOV.UK Notify answered {error.status_code}: {detail}"
    if scrub:
        text = text.replace(scrub, "[recipient]")
    return text[:LONGEST_ERROR]


class NotifyNotifier:
    def __init__(
        self, db: Database, *, api_key: str, base_url: str = PRODUCTION_URL, timeout: float = 20
    ) -> None:
        self.db = db
        self._api_key = api_key
        self.base_url = base_url
        self.timeout = timeout

    def _client(self) -> NotificationsAPIClient:
        # the client's constructor has no annotations; it takes these three
        return NotificationsAPIClient(  # type: ignore[no-untyped-call]
            self._api_key, base_url=self.base_url, timeout=self.timeout
        )

    async def _call(self, call: Callable[[NotificationsAPIClient], T], scrub: str | None) -> T:
        def run() -> T:
            return call(self._client())

        try:
            return await anyio.to_thread.run_sync(run)
        except APIError as exc:
            failure = PermanentFailure if exc.status_code in PERMANENT else TemporaryFailure
            raise failure(_reason(exc, scrub=scrub)) from None

    async def template_of(self, message: Message) -> str:
        async with self.db.session() as session:
            row = await session.get(
                NotifyTemplate, (message.force_id, message.channel, message.kind)
            )
        if row is None:
            raise PermanentFailure(
                f"Force {message.force_id} has no GOV.UK Notify template for {message.channel} "
                f"'{message.kind}' reminders: add one to its notify_templates, then retry."
            )
        return row.template_id

    async def send(self, message: Message) -> str:
        template_id = await self.template_of(message)
        if message.channel is Channel.sms:
            send: Callable[[NotificationsAPIClient], Any] = functools.partial(
                NotificationsAPIClient.send_sms_notification,
                phone_number=message.recipient,
                template_id=template_id,
                personalisation=message.personalisation,
                reference=str(message.reference),
            )
        else:
            send = functools.partial(
                NotificationsAPIClient.send_email_notification,
                email_address=message.recipient,
                template_id=template_id,
                personalisation=message.personalisation,
                reference=str(message.reference),
            )
        answer = await self._call(send, scrub=message.recipient)
        return str(answer["id"])

    async def find(self, reference: uuid.UUID) -> str | None:
        answer = await self._call(
            functools.partial(
                NotificationsAPIClient.get_all_notifications, reference=str(reference)
            ),
            scrub=None,
        )
        found = answer.get("notifications") or []
        return str(found[0]["id"]) if found else None
