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


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def close_referral(
    settings: Any,
    referral_id: str,
    outcome: Any,
    at: Any,
    recorded_at: Any = None,
) -> None:
    """Close a referral as the event consumers will: `outcomes.service.close`, committed."""
    from referral_api.forces.models import Force
    from referral_api.outcomes.service import close
    from referral_api.referrals.models import Referral

    db = Database(settings.database_url, cipher=settings.field_cipher())
    try:
        async with db.session() as session:
            referral = await session.get(Referral, uuid.UUID(referral_id))
            assert referral is not None
            force = await session.get(Force, referral.force_id)
            assert force is not None
            await close(
                session=session,
                referral=referral,
                force=force,
                outcome=outcome,
                at=at,
                recorded_at=recorded_at,
            )
            await session.commit()
    finally:
        await db.dispose()


async def sequence(settings: Any) -> int:
    """Number what is waiting for the outcome feed, as the running service does every second."""
    from referral_api.outcomes.sequencer import FeedSequencer

    db = Database(settings.database_url, cipher=settings.field_cipher())
    try:
        return await FeedSequencer(db, interval_seconds=1).run_once()
    finally:
        await db.dispose()
