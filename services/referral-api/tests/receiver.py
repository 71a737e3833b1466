"""A force's webhook receiver, run by the tests over real HTTP: it verifies each message as a
force system would (`standardwebhooks.Webhook(secret).verify`) and answers as told."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    status: int
    verified_by: list[str]  # the receiver's secrets that verify it

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


def verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # then 204 for ever
    delay: float = 0.0
    location: str | None = None  # sent with a 3xx answer
    received: list[Received] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status = self.answers.pop(0) if self.answers else 204
        self.received.append(
            Received(body, headers, status, [s for s in self.secrets if verifies(s, body, headers)])
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = [(b"content-length", b"0")]
        if self.location and 300 <= status < 400:
            answer.append((b"location", self.location.encode()))
        await send({"type": "http.response.start", "status": status, "headers": answer})
        await send({"type": "http.response.body", "body": b""})

    def verified(self) -> list[Received]:
        return [r for r in self.received if r.verified_by]
