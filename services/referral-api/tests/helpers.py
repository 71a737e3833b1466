"""Small helpers for referral-api tests: submitting referrals and reading the database."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import text

from referral_api.referrals.schemas import example_referral
from servicekit.db import Database

AuthHeaders = Callable[..., dict[str, str]]


def referral_body(**person: Any) -> dict[str, Any]:
    body = example_referral()
    body["person"].update(person)
    return body


async def submit(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
    key: str | None = None,
) -> httpx.Response:
    return await client.post(
        "/v1/referrals",
        json=body if body is not None else referral_body(),
        headers={**headers, "Idempotency-Key": key or str(uuid.uuid4())},
    )


async def scalar(url: str, sql: str, **params: Any) -> Any:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()
    finally:
        await db.dispose()


async def rows(url: str, sql: str, **params: Any) -> list[Any]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())
    finally:
        await db.dispose()


async def counts(url: str) -> dict[str, int]:
    """Rows in the tables a request could change: bad input must change none of them."""
    result = {}
    for table in ("referrals", "outbox", "idempotency_keys", "bars", "audit_log"):
        result[table] = int(await scalar(url, f"SELECT count(*) FROM {table}"))  # noqa: S608
    return result


async def outbox_events(url: str, subject: str | None = None) -> list[dict[str, Any]]:
    found = await rows(url, "SELECT subject, payload FROM outbox ORDER BY created_at")
    return [json.loads(r.payload) for r in found if subject is None or r.subject == subject]
