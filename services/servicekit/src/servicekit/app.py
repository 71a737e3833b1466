"""Assembling a service: the runtime (database, keys, auth, outbox relay, consumers) and the app."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Protocol, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Admission, Authenticator, JWKSCache
from servicekit.db import Database
from servicekit.docs import install_docs
from servicekit.headers import SecurityHeaders
from servicekit.health import health_router
from servicekit.idempotency import KeyKeeper, declare_keys
from servicekit.inbox import EventConsumer, Subscription
from servicekit.logs import RequestLog
from servicekit.methods import HeadAsGet
from servicekit.outbox import OutboxRelay
from servicekit.problems import (
    BodyGuard,
    HeaderGuard,
    install_problem_handlers,
    problem_responses,
)
from servicekit.settings import ServiceSettings
from servicekit.tables import KitTables

log = logging.getLogger(__name__)


# Every protected route can answer these; documenting them keeps the OpenAPI document honest.
# A route adds what it answers besides (`responses=problem_responses(404, 409)`).
EVERY_ROUTE_PROBLEMS = problem_responses(400, 401, 403, 409, 413, 415, 422, 431, 500, 503)


class Component(Protocol):
    """Background work a service runs for as long as it runs: the outbox relay, the event
    consumer, the key keeper, a sweep. Started in the order added, stopped in reverse."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


C = TypeVar("C", bound=Component)


class ServiceRuntime:
    """Everything a service process holds for its lifetime.

    The kit's own components (the outbox relay, the event consumer when there are
    subscriptions, the Idempotency-Key keeper) come first; a service adds its own after them
    with `add`, e.g. `runtime.add(NotEngagedSweep(runtime.db, ...))`.
    """

    def __init__(
        self,
        settings: ServiceSettings,
        tables: KitTables,
        *,
        producer: str,
        subscriptions: Sequence[Subscription] = (),
        null_pool: bool = False,
    ) -> None:
        self.settings = settings
        self.tables = tables
        self.producer = producer
        self.cipher = settings.field_cipher()
        self.db = Database(settings.database_url, cipher=self.cipher, null_pool=null_pool)
        self.authenticator = Authenticator(
            JWKSCache(settings.jwks_url),
            audience=settings.jwt_audience,
            trusted_issuers=settings.trusted_issuers,
        )
        self.components: list[Component] = []
        self._started: list[Component] = []
        self.relay = self.add(
            OutboxRelay(
                self.db,
                tables,
                settings.nats_url,
                producer=producer,
                poll_seconds=settings.outbox_poll_seconds,
                keep_published_seconds=settings.outbox_keep_published_seconds,
                stream_replicas=settings.stream_replicas,
            )
        )
        self.consumer = (
            self.add(
                EventConsumer(
                    self.db,
                    tables,
                    settings.nats_url,
                    list(subscriptions),
                    name=producer,
                    stream_replicas=settings.stream_replicas,
                )
            )
            if subscriptions
            else None
        )
        self.key_keeper = self.add(
            KeyKeeper(self.db, tables, keep_seconds=settings.idempotency_keep_seconds)
        )

    def add(self, component: C) -> C:
        """Run `component` with the service, started after those added before it."""
        self.components.append(component)
        return component

    def component(self, kind: type[C]) -> C:
        """The component of this kind (the first, if there are several)."""
        for component in self.components:
            if isinstance(component, kind):
                return component
        raise LookupError(f"no {kind.__name__} runs in this service")

    async def start(self) -> None:
        """Start each component in order; if one fails, stop those already started."""
        try:
            for component in self.components:
                await component.start()
                self._started.append(component)
        except BaseException:
            await self._stop_started()
            raise

    async def stop(self) -> None:
        """Stop the components in reverse order, then close the database."""
        try:
            await self._stop_started()
        finally:
            await self.db.dispose()

    async def _stop_started(self) -> None:
        failures: list[BaseException] = []
        while self._started:
            component = self._started.pop()
            try:
                await component.stop()
            except Exception as exc:  # the others must stop all the same
                log.exception("%s did not stop cleanly", type(component).__name__)
                failures.append(exc)
        if failures:
            raise failures[0]

    async def _database_ready(self) -> str | None:
        await self.db.ping()
        return None

    async def _nats_ready(self) -> str | None:
        if self.settings.nats_url is None:
            return None
        if not self.relay.connected:
            return "not connected to NATS (events wait in the outbox)"
        return None


def build_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    version: str,
    description: str,
    routers: Sequence[APIRouter],
    start_background: bool = True,
    admission: Admission | None = None,
    body_media_types: Collection[str] = (),
) -> FastAPI:
    """The service's app. `admission`, when given, is asked about every authenticated caller on
    every request (`auth.current_principal`), so every route gets it without naming it.
    `body_media_types`: request bodies other than JSON that some route reads (and checks)
    itself, such as `text/csv`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_background:
            await runtime.start()
        # What start-up allocated lives for the whole process: keep it out of every later full
        # collection, which otherwise paused all requests for 50-90 ms.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if start_background:
                await runtime.stop()
            else:
                await runtime.db.dispose()

    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load from a CDN: install_docs serves local copies
        redoc_url=None,
    )
    install_docs(app)
    app.state.runtime = runtime
    app.state.authenticator = runtime.authenticator
    app.state.admission = admission
    install_problem_handlers(app)
    app.add_middleware(
        BodyGuard, max_body_bytes=runtime.settings.max_body_bytes, also_accept=body_media_types
    )
    app.add_middleware(
        HeaderGuard,
        max_bytes=runtime.settings.max_header_bytes,
        max_line_bytes=runtime.settings.max_header_line_bytes,
        max_count=runtime.settings.max_header_count,
    )
    app.add_middleware(HeadAsGet)
    if runtime.settings.log_requests:
        app.add_middleware(RequestLog)  # outside BodyGuard: its refusals are requests too
    app.add_middleware(SecurityHeaders)  # added last: outermost, so it sees every answer
    app.include_router(
        health_router({"database": runtime._database_ready, "nats": runtime._nats_ready})
    )
    for router in routers:
        declare_keys(router.routes)
        app.include_router(router, responses=EVERY_ROUTE_PROBLEMS)
    return app


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def session_dependency(request: Request) -> AsyncIterator[AsyncSession]:
    """A session per request; routes commit explicitly at their boundary."""
    async with runtime_of(request).db.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(session_dependency)]
