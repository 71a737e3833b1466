"""Helpers for the servicekit tests: events, waiting, reading streams, and a tiny service app.

The app uses the kit exactly as a real service does (ServiceRuntime + build_app) with a few
routes that exercise authentication, problems, idempotency, the outbox and the audit trail.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from kit_fixture_models import kit as kit  # re-exported for the tests
from kit_fixture_models import notes as notes
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import RawStreamMsg
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.schema import Table

from contracts import CloudEvent, new_event
from contracts.events.v1 import ReferralClosed, ReferralWithdrawn
from contracts.vocabulary import ReferralOutcome, WithdrawalReason
from servicekit import access_log, idempotency, outbox
from servicekit.app import ServiceRuntime, SessionDep, build_app
from servicekit.auth import CurrentPrincipal, Principal, Role, Scope, require_roles
from servicekit.db import Database, utcnow
from servicekit.devidp import DevIdentityProvider
from servicekit.inbox import Disposition, EventConsumer, Subscription
from servicekit.problems import Problem
from servicekit.settings import ServiceSettings

FIXTURE_INI = Path(__file__).resolve().parent / "alembic.ini"
PRODUCER = "referral-api"  # the fixture writes referral events, so it owns the REFERRAL stream
STREAM = "REFERRAL"
FORCE_A_ISSUER = "urn:force-a:idp"  # trusted for force-a only
FORCE_A_ROLE = "analyst"  # the one role it signs in


# events ----------------------------------------------------------------------------------------


def withdrawn_event(referral_id: uuid.UUID | None = None) -> CloudEvent:
    referral_id = referral_id or uuid.uuid4()
    return new_event(
        ReferralWithdrawn(
            referral_id=referral_id, reason=WithdrawalReason.made_in_error, withdrawn_at=utcnow()
        ),
        source="/kit-test",
        subject=str(referral_id),
        forceid="force-a",
    )


def closed_event() -> CloudEvent:
    referral_id = uuid.uuid4()
    return new_event(
        ReferralClosed(
            referral_id=referral_id, outcome=ReferralOutcome.completed, closed_at=utcnow()
        ),
        source="/kit-test",
        subject=str(referral_id),
        forceid="force-a",
    )


# waiting and counting --------------------------------------------------------------------------


async def eventually(
    predicate: Callable[[], Awaitable[bool]], *, within: float = 5.0, what: str = "condition"
) -> float:
    """Poll `predicate` until true; returns the seconds it took, fails the test on timeout."""
    start = time.monotonic()
    while True:
        if await predicate():
            return time.monotonic() - start
        if time.monotonic() - start > within:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.02)


async def count(db: Database, table: Table, *where: Any) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def stream_messages(nc: Client, stream: str = STREAM) -> list[RawStreamMsg]:
    """Every message stored in `stream`, read by sequence number (no consumer involved)."""
    js = nc.jetstream()
    info = await js.stream_info(stream)
    if not info.state.messages:
        return []
    return [
        await js.get_msg(stream, seq)
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]


# consumers -------------------------------------------------------------------------------------


class RecordingConsumer(EventConsumer):
    """The real consumer, also noting what became of each message so tests can assert on it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dispositions: list[tuple[bytes, Disposition]] = []

    async def process(self, msg: Msg, subscription: Subscription) -> Disposition:
        disposition = await super().process(msg, subscription)
        self.dispositions.append((msg.data, disposition))
        return disposition

    def dispositions_of(self, event: CloudEvent) -> list[Disposition]:
        return [o for data, o in self.dispositions if str(event.id).encode() in data]


async def add_note(session: AsyncSession, text: str) -> uuid.UUID:
    note_id = uuid.uuid4()
    await session.execute(insert(notes).values(id=note_id, body=text, created_at=utcnow()))
    return note_id


# tokens ----------------------------------------------------------------------------------------


def sign(idp: DevIdentityProvider, claims: dict[str, Any], **headers: Any) -> str:
    """A token with arbitrary claims signed by the dev identity provider's real key."""
    key = serialization.load_pem_private_key(idp.key_path.read_bytes(), None)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": idp.kid, **headers})  # type: ignore[arg-type]


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": "urn:diversion:dev-idp",
        "aud": "diversion",
        "sub": "force-a-officer-7",
        "iat": now,
        "exp": now + 600,
        "role": "officer",
        "forces": ["force-a"],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


# the tiny service ------------------------------------------------------------------------------


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=500)
    colour: Literal["red", "green"] | None = None


class NoteOut(BaseModel):
    id: uuid.UUID
    text: str


router = APIRouter()


@router.get("/whoami")
async def whoami(principal: CurrentPrincipal) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "role": principal.role.value,
        "forces": sorted(principal.forces),
        "provider": principal.provider,
        "scopes": sorted(principal.scopes),
        "name": principal.name,
    }


@router.get("/whoami/client")
async def whoami_client(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"issuer": principal.issuer, "client_id": principal.client_id}


@router.get("/admin")
async def admin_only(
    principal: Annotated[Principal, require_roles(Role.admin, Role.supervisor)],
) -> dict[str, str]:
    return {"hello": principal.subject}


@router.get("/records")
async def records(
    principal: Annotated[
        Principal, require_roles(Role.supervisor, Role.integration, scope=Scope.referrals_read)
    ],
) -> dict[str, str]:
    return {"hello": principal.subject}


@router.post("/notes", status_code=201)
async def create_note(note: NoteIn, principal: CurrentPrincipal, session: SessionDep) -> NoteOut:
    note_id = await add_note(session, note.text)
    await outbox.add_event(session, kit, withdrawn_event())
    await session.commit()
    return NoteOut(id=note_id, text=note.text)


@router.get("/notes/{note_id}")
async def read_note(
    note_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> NoteOut:
    row = (await session.execute(select(notes).where(notes.c.id == note_id))).first()
    if row is None:
        raise Problem(404, "not-found", "Not found", f"There is no note {note_id}.")
    await access_log.record_access(
        session,
        kit,
        principal,
        action="read",
        resource_type="note",
        resource_id=str(note_id),
        force_id="force-a",
        purpose="case review",
    )
    await session.commit()
    return NoteOut(id=row.id, text=row.body)


@router.post("/idempotent-notes", status_code=201, response_model=None)
async def create_note_once(
    note: NoteIn,
    principal: CurrentPrincipal,
    key: idempotency.IdempotencyKey,
    session: SessionDep,
) -> JSONResponse:
    async def perform() -> idempotency.StoredResponse:
        note_id = await add_note(session, note.text)
        body = {"id": str(note_id), "text": note.text}
        return idempotency.StoredResponse(201, body, {"Location": f"/notes/{note_id}"})

    answer = await idempotency.respond_once(
        session,
        kit,
        key=key,
        scope=idempotency.scope_for(principal.subject, "create-note"),
        payload=note.model_dump(),
        perform=perform,
    )
    return answer.json_response()


FAULTS = (
    "unique",
    "not-null",
    "foreign-key",
    "no-such-column",
    "bad-data",
    "missing-file",
    "server-gone",
    "too-busy",
)


@router.post("/faults/{kind}", status_code=204)
async def fault(kind: str, principal: CurrentPrincipal, session: SessionDep) -> None:
    """Provokes one real failure of the database (or the file system) by its `kind`."""
    if kind == "unique":
        note_id = uuid.uuid4()
        for _ in range(2):
            await session.execute(insert(notes).values(id=note_id, body="x", created_at=utcnow()))
    elif kind == "not-null":
        await session.execute(insert(notes).values(id=uuid.uuid4(), body=None, created_at=utcnow()))
    elif kind == "foreign-key":
        await session.execute(
            text(
                "CREATE TABLE IF NOT EXISTS note_links "
                "(note_id VARCHAR(36) NOT NULL REFERENCES notes (id))"
            )
        )
        link = {"id": str(uuid.uuid4())}  # no such note
        await session.execute(text("INSERT INTO note_links VALUES (:id)"), link)
    elif kind == "no-such-column":
        await session.execute(text("SELECT no_such_column FROM notes"))
    elif kind == "bad-data":
        sqlite = session.get_bind().dialect.name == "sqlite"
        refused = "SELECT json_extract('not json', '$')" if sqlite else "SELECT CAST('x' AS int)"
        await session.execute(text(refused))
    elif kind == "server-gone":  # PostgreSQL only: the server ends this very connection
        await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    elif kind == "too-busy":  # PostgreSQL only: a statement outruns the server's time limit
        await session.execute(text("SET LOCAL statement_timeout = '50ms'"))
        await session.execute(text("SELECT pg_sleep(2)"))
    elif kind == "missing-file":
        await asyncio.to_thread(Path("/no-such-directory/settings.toml").read_text)
    await session.commit()


@router.get("/boom")
async def boom(principal: CurrentPrincipal) -> None:
    raise RuntimeError("password=hunter2 in internal module kit_secret_path")


def force_a_idp_beside(idp: DevIdentityProvider) -> DevIdentityProvider:
    """Force A's own identity provider, with keys of its own, next to the development one."""
    return DevIdentityProvider(idp.directory.parent / f"{idp.directory.name}-force-a")


def make_settings(
    *,
    database_url: str,
    idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    **overrides: Any,
) -> ServiceSettings:
    # force A's provider signs in its analysts; the development one every other role, so the
    # two never both sign in one role of one force
    force_a = {
        "forces": ["force-a"],
        "roles": [FORCE_A_ROLE],
        "jwks_url": force_a_idp_beside(idp).jwks_url,
    }
    others = [role.value for role in Role if role.value != FORCE_A_ROLE]
    trusted = {
        issuer: {"forces": forces, "roles": others} for issuer, forces in trusted_issuers.items()
    }
    return ServiceSettings(
        service_name="kit-test",
        database_url=database_url,
        jwks_url=idp.jwks_url,
        trusted_issuers={**trusted, FORCE_A_ISSUER: force_a},
        field_keys=field_keys,
        field_key_current="k1",
        **overrides,
    )


def make_app(settings: ServiceSettings) -> tuple[FastAPI, ServiceRuntime]:
    runtime = ServiceRuntime(settings, kit, producer=PRODUCER)
    app = build_app(
        runtime,
        title="kit test",
        version="1",
        description="servicekit under test",
        routers=[router],
        start_background=False,
    )
    return app, runtime


@dataclass
class Service:
    app: FastAPI
    runtime: ServiceRuntime
    client: httpx.AsyncClient
    idp: DevIdentityProvider

    @property
    def force_a_idp(self) -> DevIdentityProvider:
        return force_a_idp_beside(self.idp)

    def token(self, role: str = "officer", forces: list[str] | None = None, **kw: object) -> str:
        return self.idp.token(role=role, forces=forces or ["force-a"], **kw)  # type: ignore[arg-type]

    def auth(self, role: str = "officer", **kw: object) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, **kw)}"}  # type: ignore[arg-type]


async def start_service(
    database_url: str,
    idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    **overrides: object,
) -> tuple[Service, httpx.AsyncClient]:
    settings = make_settings(
        database_url=database_url,
        idp=idp,
        trusted_issuers=trusted_issuers,
        field_keys=field_keys,
        **overrides,
    )
    app, runtime = make_app(settings)
    # ServerErrorMiddleware re-raises after answering 500; a real server would log it, not crash.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://kit.test")
    return Service(app, runtime, client, idp), client
