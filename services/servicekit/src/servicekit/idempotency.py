"""Idempotency-Key storage: a retried write gets the stored response, never a second effect.

Same key and same body: the stored response again. Same key and another body: 422. The key is
scoped to the caller and the operation, and stored in the same transaction as the write.

A key is kept for `keep_seconds` (35 days by default) and then forgotten by `KeyKeeper`: longer
than the officers' portal holds an unsent referral (30 days, after which the server refuses its
encounter as too old anyway), so a retry whose first answer was lost is always recognised.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import BaseRoute

from servicekit.db import Database, utcnow
from servicekit.periodic import Periodic
from servicekit.problems import HEADER_RULES, HeaderRule, Problem
from servicekit.tables import KitTables
from servicekit.writes import stage

KEY_MIN_LENGTH = 8
KEY_MAX_LENGTH = 200
KEY_PATTERN = r"^[A-Za-z0-9._:-]+$"  # as the OpenAPI document states it, with the lengths above
_KEY = re.compile(rf"^[A-Za-z0-9._:-]{{{KEY_MIN_LENGTH},{KEY_MAX_LENGTH}}}$")


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any
    headers: dict[str, str]


def fingerprint(payload: Any) -> str:
    """A stable hash of a request body (canonical JSON)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


HEADER = "Idempotency-Key"
NEEDED = (
    "Send an Idempotency-Key header (a new UUID for each request) so a retry after a lost "
    "response cannot make a second one."
)
MALFORMED = "The Idempotency-Key must be 8 to 200 letters, digits or . _ : - (a UUID is ideal)."

# A missing or malformed key is found with the body's errors (it is a declared, validated
# header), and answered beside them; alone, it is a 400 titled for what is wrong.
HEADER_RULES[HEADER] = HeaderRule(
    slug="idempotency-key",
    titles={
        "missing": "Idempotency-Key needed",
        "string_pattern_mismatch": "Idempotency-Key not valid",
    },
    messages={"missing": NEEDED, "string_pattern_mismatch": MALFORMED},
)


def _key_problem(title: str, detail: str, status: int = 400) -> Problem:
    return Problem(
        status,
        "idempotency-key",
        title,
        detail,
        errors=[{"field": f"header.{HEADER}", "message": detail}],
    )


def _one_key(request: Request) -> None:
    sent = len(request.headers.getlist(HEADER))
    if sent > 1:
        raise _key_problem(
            "More than one Idempotency-Key",
            f"Send one Idempotency-Key header; this request has {sent}, so it is not clear "
            "which write a retry would repeat.",
        )


async def required_idempotency_key(
    request: Request,
    idempotency_key: Annotated[
        str,
        Header(
            alias=HEADER,
            pattern=_KEY.pattern,
            include_in_schema=False,  # stated by declare_keys, with its length and whether required
        ),
    ],
) -> str:
    _one_key(request)
    return idempotency_key


IdempotencyKey = Annotated[str, Depends(required_idempotency_key)]


async def optional_idempotency_key(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            pattern=_KEY.pattern,
            include_in_schema=False,  # stated by declare_keys
        ),
    ] = None,
) -> str | None:
    _one_key(request)
    return idempotency_key


OptionalIdempotencyKey = Annotated[str | None, Depends(optional_idempotency_key)]


def key_parameter(*, required: bool) -> dict[str, Any]:
    """The Idempotency-Key header as OpenAPI states it: the rule `_KEY` enforces, and whether
    the operation refuses a request without one (400)."""
    description = (
        "A client-generated unique key (a UUID) so a retry is never applied twice: a retry with "
        "the same key and body gets the first response back and changes nothing."
    )
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": required,
        "description": description if required else "Optional. " + description,
        "schema": {
            "type": "string",
            "minLength": KEY_MIN_LENGTH,
            "maxLength": KEY_MAX_LENGTH,
            "pattern": KEY_PATTERN,
        },
    }


def _takes_key(dependant: Dependant) -> bool | None:
    """Whether an operation requires a key (True), accepts one (False) or takes none (None)."""
    takes: bool | None = None
    for dependency in dependant.dependencies:
        if dependency.call is required_idempotency_key:
            return True
        if dependency.call is optional_idempotency_key:
            takes = False
        below = _takes_key(dependency)
        if below is not None:
            takes = takes or below
    return takes


def declare_keys(routes: Sequence[BaseRoute]) -> None:
    """State the Idempotency-Key header in the OpenAPI document of each route that takes one
    (a router's own routes; `build_app` declares those of every router it includes).

    The dependencies validate the header with the body (a missing or malformed key is answered
    beside the body's errors) but leave it out of the document, where FastAPI would state it
    without its length limits; this declares it as they enforce it.
    """
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        required = _takes_key(route.dependant)
        if required is None:
            continue
        extra = dict(route.openapi_extra or {})
        named = [p for p in extra.get("parameters", []) if p.get("name") != "Idempotency-Key"]
        extra["parameters"] = [*named, key_parameter(required=required)]
        route.openapi_extra = extra


def scope_for(subject: str, operation: str) -> str:
    """The caller and the operation a key belongs to, within the column's 200 characters."""
    scope = f"{subject}:{operation}"
    if len(scope) <= 200:
        return scope
    return "sha256:" + hashlib.sha256(scope.encode()).hexdigest()


async def lookup(
    session: AsyncSession, tables: KitTables, *, scope: str, key: str, request_hash: str
) -> StoredResponse | None:
    row = (
        await session.execute(
            select(tables.idempotency_keys).where(
                tables.idempotency_keys.c.scope == scope, tables.idempotency_keys.c.key == key
            )
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise _key_problem(
            "Idempotency-Key already used",
            "This Idempotency-Key was already used for a different request. Use a new key for a "
            "new request.",
            status=422,
        )
    return StoredResponse(row.status_code, row.response_body, dict(row.headers))


async def remember(
    session: AsyncSession,
    tables: KitTables,
    *,
    scope: str,
    key: str,
    request_hash: str,
    response: StoredResponse,
) -> None:
    stage(
        session,
        tables.idempotency_keys,
        {
            "scope": scope,
            "key": key,
            "request_hash": request_hash,
            "status_code": response.status_code,
            "response_body": response.body,
            "headers": response.headers,
            "created_at": utcnow(),
        },
    )


@dataclass(frozen=True)
class Answer:
    """What a write answered, and whether it was `replayed`: the response an earlier request
    with the same key stored, this request having changed nothing."""

    response: StoredResponse
    replayed: bool

    def json_response(self) -> JSONResponse:
        stored = self.response
        return JSONResponse(stored.body, status_code=stored.status_code, headers=stored.headers)


async def respond_once(
    session: AsyncSession,
    tables: KitTables,
    *,
    key: str | None,
    scope: str,
    payload: Any,
    perform: Callable[[], Awaitable[StoredResponse]],
    attempts: int = 2,
) -> Answer:
    """Do a write at most once per key: perform, remember and commit in one transaction, or
    answer with the response already stored under the key (`replayed`). Without a key the write
    simply happens and commits.

    Most keys are new, so the write goes first and the key's primary key decides: a clash means
    a retry (replay the stored response, or 422 for another body). A write that fails on its own
    rules is checked against the stored keys too, so a retry of an accepted request is never
    refused because circumstances changed since. Any other unique clash (a randomly drawn
    reference already taken, say) is retried with a fresh `perform`.

    Whether the answer is replayed is decided here, by which way the write ended, never by
    `perform`: a `perform` that ran to the end has still changed nothing when its commit then
    clashed with the same key stored at the same moment by another request, and was rolled back.
    """
    if key is None:
        response = await perform()
        await session.commit()
        return Answer(response, replayed=False)
    request_hash = fingerprint(payload)

    async def stored_response() -> StoredResponse | None:
        await session.rollback()
        return await lookup(session, tables, scope=scope, key=key, request_hash=request_hash)

    for _ in range(attempts):
        try:
            response = await perform()
            await remember(
                session, tables, scope=scope, key=key, request_hash=request_hash, response=response
            )
            await session.commit()
        except Problem:
            stored = await stored_response()
            if stored is not None:
                return Answer(stored, replayed=True)
            raise
        except IntegrityError:
            stored = await stored_response()
            if stored is not None:
                return Answer(stored, replayed=True)
            continue
        return Answer(response, replayed=False)
    raise Problem(
        409,
        "conflict",
        "Conflict",
        "This clashed with other records twice. Nothing was saved; send it again.",
    )


class KeyKeeper:
    """Forgets Idempotency-Keys older than `keep_seconds`, checking every `every_seconds`."""

    def __init__(
        self,
        db: Database,
        tables: KitTables,
        *,
        keep_seconds: float,
        every_seconds: float = 3600.0,
    ) -> None:
        self.db = db
        self.tables = tables
        self.keep_seconds = keep_seconds
        self.periodic = Periodic("idempotency-key-keeper", self._step, every_seconds=every_seconds)

    async def forget_old(self) -> int:
        """Delete the keys stored more than `keep_seconds` ago; returns how many."""
        return await self.db.delete_older_than(
            self.tables.idempotency_keys.c.created_at, self.keep_seconds
        )

    async def _step(self) -> None:
        await self.forget_old()

    async def start(self) -> None:
        await self.periodic.start()

    async def stop(self) -> None:
        await self.periodic.stop()

    @property
    def stopped(self) -> bool:
        return not self.periodic.running
