"""Standard Webhooks signing: the secrets an endpoint holds and the headers each attempt carries.

Every attempt is signed afresh (a new `webhook-timestamp`, so a receiver's replay window holds)
over the same `webhook-id` and body. While a rotated-out secret is still in its overlap, each
attempt carries one signature per secret, space-separated as the specification allows, so a
receiver verifies with either.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (the specification's prefix, not a secret)
SECRET_BYTES = 32  # the specification asks for 24 to 64


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(16)


def signing_secrets(
    secret: str, previous: str | None, previous_until: datetime | None, at: datetime
) -> list[str]:
    """The secrets that sign at `at`: the current one, and the one before it during its overlap."""
    found = [secret]
    if previous is not None and previous_until is not None and at < previous_until:
        found.append(previous)
    return found


def headers(*, message_id: str, body: str, at: datetime, secrets_: Sequence[str]) -> dict[str, str]:
    at = at.astimezone(UTC)
    signatures = " ".join(Webhook(s).sign(message_id, at, body) for s in secrets_)
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }
