"""Structured logs, one line a record: JSON objects in production, `key=value` text for `make run`.

Besides what the code logs, the kit writes one line per request (`RequestLog`, logger
`servicekit.requests`) and one per event a consumer handles (`log_event`, logger
`servicekit.events`). They name routes by their template and records by their ids, and never
carry a body, a query string or a raw path: those may hold a person's name.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_LOG = "servicekit.requests"
EVENT_LOG = "servicekit.events"
REQUEST_ID_HEADER = "X-Request-ID"

# what every LogRecord has; anything else on a record was passed as `extra` and is a field
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


class KeyValueFormatter(logging.Formatter):
    """`time level logger message key=value ...`: readable in a terminal, still greppable."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD and v is not None}
        return line + "".join(f" {key}={value}" for key, value in fields.items())


def formatter(service: str, *, json_logs: bool) -> logging.Formatter:
    if json_logs:
        return JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
        )
    return KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")


def configure_logging(service: str, *, level: str = "INFO", json_logs: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(service, json_logs=json_logs))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn.access: RequestLog says it, without the query string. httpx and httpcore log every
    # outgoing request's full URL at INFO (a token or a signed link can sit in a query string);
    # their failures still reach the log as warnings and errors.
    for noisy in ("uvicorn.access", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _route_template(scope: Scope) -> str:
    """The route's path template (`/v1/referrals/{referral_id}`), never the path itself."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if isinstance(template, str):
        return template
    if "endpoint" in scope:  # a mounted app: the portal's or the docs' files
        return f"{scope.get('root_path', '')}/{{path}}"
    return "(no route)"


def _caller(scope: Scope) -> tuple[str | None, str | None]:
    principal = scope.get("state", {}).get("principal")
    if principal is None:
        return None, None
    return principal.role.value, ",".join(sorted(principal.forces)) or None


class RequestLog:
    """One INFO line per request when its answer has been sent: method, route template, status,
    duration, request id (the caller's `X-Request-ID` if it is a plain token, else a new one,
    returned in the answer either way) and the caller's role and force when known.

    Pure ASGI, so it also times the refusals made before the app (413, 415).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger(REQUEST_LOG)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500  # unless an answer starts: an exception escaping the app is answered so

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).setdefault(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            role, force = _caller(scope)
            self.log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": _route_template(scope),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": request_id,
                    "role": role,
                    "force": force,
                },
            )


def log_event(
    *,
    consumer: str,
    event_type: str | None,
    event_id: str | None,
    referral_id: str | None,
    outcome: str,
    started: float,
) -> None:
    """The line for one event a consumer handled (`started` from `time.perf_counter()`)."""
    fields: dict[str, Any] = {
        "consumer": consumer,
        "event_type": event_type,
        "event_id": event_id,
        "referral_id": referral_id,
        "outcome": outcome,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    logging.getLogger(EVENT_LOG).info("event", extra=fields)
