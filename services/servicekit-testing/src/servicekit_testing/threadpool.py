"""What in an app FastAPI would run on its thread pool: each service's tests keep it empty."""

from __future__ import annotations

import inspect

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute


def _awaited(call: object) -> bool:
    """Whether FastAPI awaits `call` on the event loop: an async function or generator, or an
    instance whose `__call__` is one (a security scheme such as `HTTPBearer`)."""
    if inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call):
        return True
    if inspect.isroutine(call) or inspect.isclass(call):
        return False
    dunder = getattr(call, "__call__", None)  # noqa: B004
    return inspect.iscoroutinefunction(dunder) or inspect.isasyncgenfunction(dunder)


def threadpool_dependencies(app: FastAPI) -> list[str]:
    """The dependencies and endpoints of `app` that FastAPI would run on its thread pool.

    A plain `def` costs a thread hand-off on every request; each service's tests keep this empty.
    """
    found: set[str] = set()

    def visit(dependant: Dependant, route: str) -> None:
        for sub in dependant.dependencies:
            call = sub.call
            if call is not None and not _awaited(call):
                found.add(f"{route}: {getattr(call, '__qualname__', call)}")
            visit(sub, route)

    for route in app.routes:
        # routers included with include_router are reached through their effective routes
        contexts = getattr(route, "effective_route_contexts", None)
        for effective in contexts() if contexts else [route]:
            endpoint = getattr(effective, "endpoint", None)
            dependant = getattr(effective, "dependant", None)
            path = getattr(effective, "path", "?")
            if not isinstance(effective, APIRoute) and dependant is None:
                continue  # a plain Starlette route: the OpenAPI and docs pages
            if endpoint is not None and not inspect.iscoroutinefunction(endpoint):
                found.add(f"{path}: {endpoint.__qualname__}")
            if dependant is not None:
                visit(dependant, path)
    return sorted(found)
