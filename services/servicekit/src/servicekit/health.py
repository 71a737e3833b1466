"""Liveness and readiness, without a token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, WithJsonSchema

from servicekit.problems import problem_response, problem_responses

ReadinessCheck = Callable[[], Awaitable[str | None]]  # returns why it is not ready, or None


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


def health_router(checks: dict[str, ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", response_model=Health)
    async def health() -> Health:
        """Liveness: the process is up."""
        return Health(status="ok")

    async def ready(request: Request, check: list[str] | None = None) -> JSONResponse | Health:
        """Readiness: the database and NATS are reachable."""
        results: dict[str, str] = {}
        failures: list[str] = []
        unknown = sorted(set(check or []) - set(checks))
        if unknown:
            return problem_response(
                request,
                422,
                detail=f"Unknown check(s): {', '.join(unknown)}; known: {', '.join(checks)}.",
                errors=[{"field": "check", "message": "is not a known check"}],
            )
        for name, probe in checks.items():
            if check and name not in check:
                continue
            check_result = probe
            try:
                why = await check_result()
            except Exception as exc:
                why = f"{type(exc).__name__}: {exc}"
            results[name] = "ok" if why is None else why
            if why is not None:
                failures.append(f"{name}: {why}")
        if failures:
            return problem_response(
                request,
                503,
                detail="Not ready: " + "; ".join(failures),
                extra={"checks": results},
            )
        return Health(status="ready", checks=results)

    # The checks that exist, as an enum in the document (known only here, so the annotation is
    # made here); a name outside it gets the 422 above, which lists the known ones.
    check_name = Annotated[str, WithJsonSchema({"type": "string", "enum": list(checks)})]
    ready.__annotations__["check"] = Annotated[
        list[check_name] | None,
        Query(
            description="Only these checks (e.g. `database` for a load balancer: with NATS down, "
            "writes still succeed through the outbox)."
        ),
    ]
    router.add_api_route(
        "/ready",
        ready,
        methods=["GET"],
        response_model=Health,
        responses=problem_responses(
            (503, "A dependency is unreachable; the problem says which."),
            (422, "An unknown check was named."),
        ),
    )
    return router
