"""Writes a client may retry: an optional Idempotency-Key replays the stored response.

Same key and body: the stored response again, nothing applied twice. Same key, other body: 422.
Without a key the write simply happens. Only successful responses are stored, in the same
transaction as the write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.db import kit
from servicekit import idempotency
from servicekit.idempotency import OptionalIdempotencyKey, StoredResponse

__all__ = ["OptionalIdempotencyKey", "respond_once"]


def _response(stored: StoredResponse) -> JSONResponse:
    return JSONResponse(stored.body, status_code=stored.status_code, headers=stored.headers)


async def respond_once(
    session: AsyncSession,
    *,
    key: str | None,
    subject: str,
    operation: str,
    payload: Any,
    perform: Callable[[], Awaitable[StoredResponse]],
) -> JSONResponse:
    """Run `perform` and commit, or replay the response stored under `key`."""
    if key is None:
        response = await perform()
        await session.commit()
        return _response(response)
    stored = await idempotency.run_once(
        session,
        kit,
        scope=idempotency.scope_for(subject, operation),
        key=key,
        payload=payload,
        perform=perform,
    )
    return _response(stored)
