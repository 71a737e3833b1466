"""Uploading a force's tables through the API, as its administrator does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

Upload = Callable[..., Awaitable[Any]]


@pytest.fixture
def upload(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> Upload:
    """PUT a CSV table (`path`: population, baseline or possession-offences) as demo's admin."""

    async def put(
        path: str,
        body: str | bytes,
        *,
        force: str = "demo",
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await client.put(
            f"/v1/forces/{force}/{path}",
            content=body.encode() if isinstance(body, str) else body,
            params=params,
            headers=headers or {**auth(role="admin", forces=(force,)), "Content-Type": "text/csv"},
        )

    return put
