"""RFC 9457 problem details for every error a service can raise.

Every response with status >= 400 is `application/problem+json` with a `type`, a short `title`, a
`detail` a person can act on, and for bad input an `errors` list naming each field.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.dberrors import is_uniqueness_race, is_unreachable

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:diversion:problem:"

_TITLES = {
    400: ("bad-request", "The request could not be read"),
    401: ("unauthorised", "Sign in again"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation", "Some answers need correcting"),
    429: ("too-many-requests", "Too many requests"),
    431: ("headers-too-large", "Request headers too large"),
    500: ("internal", "Something went wrong on our side"),
    503: ("unavailable", "Service temporarily unavailable"),
}


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the field, e.g. person.date_of_birth")
    message: str


class ProblemDetail(BaseModel):
    """The body of every error response."""

    type: str = Field(examples=["urn:diversion:problem:validation"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None
    not_before: str | None = Field(
        default=None, description="When a barred person may be referred again (ISO date)."
    )


# What each problem status means on any route; a route names the ones it can answer, and may say
# more precisely what one means there.
STANDARD_DESCRIPTIONS: dict[int, str] = {
    400: "The request could not be read (malformed JSON or a missing header).",
    401: "No valid bearer token.",
    403: "The caller's role, or an integration client's grant (scope), does not allow this.",
    404: "No such record visible to the caller.",
    409: "A conflicting change was made at the same moment; nothing was saved.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "Some fields need correcting; `errors` names each one.",
    431: "The request's headers are too large or too many.",
    500: "An unexpected failure; nothing was saved.",
    503: "The database is unreachable; nothing was saved.",
}


def problem_responses(*statuses: int | tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting problem+json answers: `problem_responses(404, 409)` with
    the standard descriptions, or `(409, "The referral is already closed.")` to say what a status
    means on this route. For a route's `responses=` (merged with its own success entries)."""
    documented: dict[int | str, dict[str, Any]] = {}
    for entry in statuses:
        status, description = entry if isinstance(entry, tuple) else (entry, None)
        if description is None:
            if status not in STANDARD_DESCRIPTIONS:
                raise ValueError(f"no standard description of {status}: give one")
            description = STANDARD_DESCRIPTIONS[status]
        documented[status] = {
            "description": description,
            "model": ProblemDetail,
            "content": {PROBLEM_JSON: {}},
        }
    return documented


class Problem(Exception):
    """A domain or HTTP error carrying its status and a message a person can act on."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extra = extra or {}


def problem_response(
    request: Request | None,
    status: int,
    *,
    slug: str | None = None,
    title: str | None = None,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    default_slug, default_title = _TITLES.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or default_slug),
        "title": title or default_title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        where, parts = parts[0], parts[1:]
        if not parts:
            return where
        if where == "header":
            return "header." + ".".join(parts)
    # drop pydantic's union/function tags so the path is the field a person filled in
    cleaned = [p for p in parts if not p.startswith("function-") and "[" not in p]
    return ".".join(cleaned) or "body"


# The house style for a field's message: a lower-case instruction naming what to send, as the
# services' own validators write them ("enter a date as YYYY-MM-DD, like 1998-04-12"), never
# pydantic's wording ("Input should be a valid date or datetime, input is too short").
_DATE = "enter a date as YYYY-MM-DD, like 1998-04-12"
_DATETIME = "enter a date and time in ISO 8601 with a timezone, like 2026-11-26T10:30Z"
_WHOLE_NUMBER = "enter a whole number, like 3"
_MESSAGES: dict[str, str] = {
    "missing": "is required: add it",
    "extra_forbidden": "is not permitted here: remove it",
    "string_type": "enter text",
    "string_sub_type": "enter text",
    "string_unicode": "enter text",
    "bool_type": "answer true or false",
    "bool_parsing": "answer true or false",
    "int_type": _WHOLE_NUMBER,
    "int_parsing": _WHOLE_NUMBER,
    "int_from_float": _WHOLE_NUMBER,
    "int_parsing_size": _WHOLE_NUMBER,
    "float_type": "enter a number",
    "float_parsing": "enter a number",
    "decimal_type": "enter a number",
    "decimal_parsing": "enter a number",
    "finite_number": "enter a number",
    "uuid_type": "enter an id as a UUID, like 3f6c2a8e-1b7d-4c1e-9a57-2b8d5e0c4f11",
    "uuid_parsing": "enter an id as a UUID, like 3f6c2a8e-1b7d-4c1e-9a57-2b8d5e0c4f11",
    "uuid_version": "enter an id as a UUID, like 3f6c2a8e-1b7d-4c1e-9a57-2b8d5e0c4f11",
    "dict_type": "send an object of fields, like {}",
    "model_type": "send an object of fields, like {}",
    "model_attributes_type": "send an object of fields, like {}",
    "dataclass_type": "send an object of fields, like {}",
    "list_type": "send a list, like []",
    "tuple_type": "send a list, like []",
    "set_type": "send a list, like []",
    "iterable_type": "send a list, like []",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_object_invalid": _DATETIME,
    "timezone_aware": _DATETIME,
    "time_type": "enter a time as HH:MM, like 10:30",
    "time_parsing": "enter a time as HH:MM, like 10:30",
    "date_past": "must be a date in the past",
    "date_future": "must be a date in the future",
    "datetime_past": "must be in the past",
    "datetime_future": "must be in the future",
    "url_type": "enter a web address, like https://example.org",
    "url_parsing": "enter a web address, like https://example.org",
    "url_scheme": "enter a web address, like https://example.org",
    "json_type": "send JSON",
    "none_required": "leave this out",
    "frozen_field": "cannot be changed: leave it out",
}


def _count(number: Any, thing: str) -> str:
    return f"{number} {thing}" + ("" if number == 1 else "s")


def _message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    loc = tuple(error.get("loc", ()))
    if kind == "missing" and loc == ("body",):
        return "send the request body as JSON"
    if kind in {"value_error", "assertion_error"}:
        cause = ctx.get("error")
        message = str(cause) if cause is not None else str(error.get("msg", "is not valid"))
        if "email address" in message:
            return "enter an email address, like name@example.org"
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return _lower_first(message)
    if kind in {"enum", "literal_error"}:
        return f"choose one of {ctx.get('expected', 'the values listed')}"
    if kind in {"union_tag_invalid"}:
        return f"choose one of {ctx.get('expected_tags', 'the kinds listed')}"
    if kind == "union_tag_not_found":
        return f"say which kind this is with {ctx.get('discriminator', 'its tag')}"
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        shortest = f"enter at least {_count(least, 'character')}"
        return f"cannot be empty: {shortest}" if least == 1 else shortest
    if kind == "string_too_long":
        return f"use at most {_count(ctx.get('max_length'), 'character')}"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return f"give at least {least}"
    if kind == "too_long":
        return f"give at most {ctx.get('max_length')}"
    if kind == "greater_than_equal":
        return f"must be {ctx.get('ge')} or more"
    if kind == "greater_than":
        return f"must be greater than {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"must be {ctx.get('le')} or less"
    if kind == "less_than":
        return f"must be less than {ctx.get('lt')}"
    if kind == "multiple_of":
        return f"must be a multiple of {ctx.get('multiple_of')}"
    if kind == "string_pattern_mismatch":
        return f"is not in the expected form ({ctx.get('pattern')})"
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    message = str(error.get("msg", "is not valid"))  # a kind not met yet: as pydantic says it
    return _lower_first(message)


def _lower_first(message: str) -> str:
    """Lower-case a sentence's first word ("Cannot be empty"), never a code's ("IC3", "UK")."""
    if message[:1].isupper() and not message[1:2].isupper():
        return message[:1].lower() + message[1:]
    return message


@dataclass(frozen=True, eq=False)  # one rule per header: compared by identity
class HeaderRule:
    """How to answer when a header a route requires is missing or malformed: the module that
    owns the header registers one (`HEADER_RULES["Idempotency-Key"] = ...`).

    `messages` and `titles` are by pydantic error type ("missing", "string_pattern_mismatch").
    When that header is all that is wrong the answer is a 400 of type `slug` titled for what is
    wrong; beside other errors, its message joins them in one 422.
    """

    slug: str
    titles: dict[str, str]
    messages: dict[str, str]


HEADER_RULES: dict[str, HeaderRule] = {}


def _header_rule(error: dict[str, Any]) -> HeaderRule | None:
    loc = tuple(error.get("loc", ()))
    if len(loc) == 2 and loc[0] == "header":
        return HEADER_RULES.get(str(loc[1]))
    return None


def _error_message(error: dict[str, Any]) -> str:
    rule = _header_rule(error)
    kind = str(error.get("type", ""))
    if rule is not None and kind in rule.messages:
        return rule.messages[kind]
    return _message(error)


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    seen: set[tuple[str, str]] = set()
    errors: list[dict[str, str]] = []
    for error in exc.errors():
        item = (_field_path(error.get("loc", ())), _error_message(error))
        if item not in seen:
            seen.add(item)
            errors.append({"field": item[0], "message": item[1]})
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            request,
            exc.status,
            slug=exc.slug,
            title=exc.title,
            detail=exc.detail,
            errors=exc.errors,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI reports unparseable JSON as loc ("body", <char offset>), type json_invalid.
        unreadable = [e for e in exc.errors() if e.get("type") == "json_invalid"]
        if unreadable:
            reason = str((unreadable[0].get("ctx") or {}).get("error", "is not valid JSON"))
            return problem_response(
                request,
                400,
                detail="The request body is not valid JSON.",
                errors=[{"field": "body", "message": reason}],
            )
        errors = validation_errors(exc)
        rules = {_header_rule(e) for e in exc.errors()}
        if len(rules) == 1 and (rule := rules.pop()) is not None:
            # a required header is all that is wrong: answered as that header's problem
            kind = str(exc.errors()[0].get("type", ""))
            return problem_response(
                request,
                400,
                slug=rule.slug,
                title=rule.titles.get(kind),
                detail=errors[0]["message"],
                errors=errors,
            )
        fields = ", ".join(e["field"] for e in errors)
        return problem_response(request, 422, detail=f"Please correct: {fields}.", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is nothing at {request.url.path}."
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            allowed = _allowed_methods(request)
            detail = (
                f"{request.method} is not supported on {request.url.path}; "
                f"use {', '.join(allowed)}."
            )
            headers = {"Allow": ", ".join(allowed)}
        return problem_response(request, exc.status_code, detail=detail, headers=headers)

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(OSError)
    async def _database_failed(request: Request, exc: Exception) -> JSONResponse:
        if is_uniqueness_race(exc):
            log.warning("write clashed with a row written at the same moment: %s", exc)
            return problem_response(
                request,
                409,
                detail="This conflicts with a change made at the same moment. Nothing was "
                "saved; fetch the record again and retry.",
            )
        if is_unreachable(exc):
            log.error("database unavailable: %s", exc)
            return problem_response(
                request,
                503,
                detail="The database is not reachable or too busy just now. Nothing was saved; "
                "try again shortly.",
                headers={"Retry-After": "5"},
            )
        return _internal_error(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _internal_error(request, exc)


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A fault in the service: its traceback goes to the log, never into the response."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        500,
        detail="The request failed on our side and nothing was saved. Try again, and report "
        "it if it happens again.",
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method any route at this path accepts (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            match, _ = route.matches({**request.scope, "method": method})
            if match is Match.FULL:
                methods.add(method)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


class BodyGuard:
    """Refuses bodies over the size limit (413) and writes that are not JSON (415).

    Pure ASGI so an oversized body is refused while it streams, before it is buffered.
    `also_accept`: other media types a service's routes read themselves (a CSV upload); those
    routes check the type they take.
    """

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, also_accept: Collection[str] = ()
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.also_accept = frozenset(also_accept)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in {"POST", "PUT", "PATCH"}:
            await self.app(scope, receive, send)
            return
        # ASGI gives header bytes as they came: ISO 8859-1, which decodes any byte
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await send_problem(scope, send, 413, self._too_large())
            return
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        has_body = length not in (None, "0") or "transfer-encoding" in headers
        is_json = content_type == "application/json" or content_type.endswith("+json")
        if has_body and not (is_json or content_type in self.also_accept):
            others = "".join(f" (or {kind} where the route takes it)" for kind in self.also_accept)
            await send_problem(
                scope,
                send,
                415,
                f"Send the request body as JSON with Content-Type: application/json{others}.",
            )
            return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        started = False

        async def guarded_send(message: Message) -> None:
            # The framework may catch the error while reading the body and answer for itself
            # (FastAPI says 400); a body over the limit is always answered with 413 instead.
            nonlocal started
            if not too_large:
                started = started or message["type"] == "http.response.start"
                await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if too_large and not started:
            await send_problem(scope, send, 413, self._too_large())

    def _too_large(self) -> str:
        return f"The request body is larger than {self.max_body_bytes} bytes."


class _BodyTooLarge(Exception):
    pass


class HeaderGuard:
    """Refuses requests whose headers are too large (431): over `max_header_bytes` in all, one
    header over `max_header_line_bytes`, or more than `max_header_count` of them.

    Pure ASGI and before the app, so no route, parser or log line ever handles a header of
    megabytes or twenty thousand of them. A header's size is its name, value and the four bytes
    of ": " and CRLF, as it travelled.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, max_line_bytes: int, max_count: int
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_line_bytes = max_line_bytes
        self.max_count = max_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope["headers"])
            if refusal is not None:
                await send_problem(scope, send, 431, refusal)
                return
        await self.app(scope, receive, send)

    def _refusal(self, headers: list[tuple[bytes, bytes]]) -> str | None:
        if len(headers) > self.max_count:
            return (
                f"The request has {len(headers)} headers; at most {self.max_count} are accepted. "
                "Send fewer headers."
            )
        total = 0
        for name, value in headers:
            size = len(name) + len(value) + 4
            if size > self.max_line_bytes:
                shown = name[:40].decode("latin-1")
                return (
                    f"The request header {shown} is {size} bytes; at most "
                    f"{self.max_line_bytes} are accepted for one header."
                )
            total += size
        if total > self.max_bytes:
            return (
                f"The request headers are {total} bytes in all; at most {self.max_bytes} are "
                "accepted. Send fewer or shorter headers (large cookies are the usual cause)."
            )
        return None


async def send_problem(scope: Scope, send: Send, status: int, detail: str) -> None:
    """Answer with problem+json straight from ASGI middleware, before the app has the request."""
    slug, title = _TITLES[status]
    body = json.dumps(
        {
            "type": TYPE_BASE + slug,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": scope.get("path"),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
