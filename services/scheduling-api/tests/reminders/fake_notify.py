"""A local stand-in for GOV.UK Notify's API, for the real `notifications-python-client`.

A real HTTP server on a free port (the standard library's, on a thread of its own) answering
`POST /v2/notifications/sms`, `POST /v2/notifications/email` and `GET /v2/notifications` with
the bodies Notify documents, and checking every request's bearer token as Notify does: HS256,
`iss` the service id, `iat` within 30 seconds of its clock, signed with the secret part of the
API key (`{name}-{service_id}-{secret}`). A bad token is 403 with Notify's error body.

It can be told to fail the next sends (429 or 500 a number of times, or 400 for good), to run
its clock ahead (stale tokens) and to forget to answer (the network away).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"scheduling_test-{SERVICE_ID}-{SECRET}"
TOKEN_BOUND_SECONDS = 30

ERRORS = {
    400: ("BadRequestError", "Template not found"),
    403: ("AuthError", "Invalid token: API key not found"),
    429: (
        "RateLimitError",
        "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
    ),
    500: ("Exception", "Internal server error"),
}


def error_body(status: int, error: str, message: str) -> dict[str, Any]:
    """Notify's error answer: the status and a list of errors."""
    return {"status_code": status, "errors": [{"error": error, "message": message}]}


@dataclass
class FakeNotify:
    service_id: str = SERVICE_ID
    secret: str = SECRET
    notifications: list[dict[str, Any]] = field(default_factory=list)
    posts: int = 0
    auth_failures: list[str] = field(default_factory=list)
    failures: list[tuple[int, str | None]] = field(default_factory=list)
    fail_always: int | None = None
    clock_ahead_seconds: float = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, status: int, times: int = 1, message: str | None = None) -> None:
        """The next `times` sends answer `status` (with Notify's usual message, or `message`)."""
        self.failures.extend([(status, message)] * times)

    def sent(self, reference: str | None = None) -> list[dict[str, Any]]:
        return [n for n in self.notifications if reference is None or n["reference"] == reference]

    # the token, as Notify checks it ------------------------------------------------------------

    def check_token(self, authorization: str | None) -> tuple[int, dict[str, Any]] | None:
        """None when the token is good, else Notify's answer."""
        if not authorization or not authorization.startswith("Bearer "):
            return 401, error_body(
                401, "AuthError", "Unauthorized: authentication token must be provided"
            )
        token = authorization.removeprefix("Bearer ")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return self._refuse("Invalid token: not a JWT")
        if header.get("alg") != "HS256":
            return self._refuse("Invalid token: algorithm used is not HS256")
        if claims.get("iss") != self.service_id:
            return self._refuse("Invalid token: service not found")
        try:
            jwt.decode(
                token,
                key=self.secret,
                algorithms=["HS256"],
                options={"verify_iat": False, "verify_exp": False},
            )
        except jwt.InvalidSignatureError:
            return self._refuse("Invalid token: API key not found")
        except jwt.PyJWTError:
            return self._refuse("Invalid token: signature, api token not found")
        iat = claims.get("iat")
        now = time.time() + self.clock_ahead_seconds
        if not isinstance(iat, int | float) or abs(now - iat) > TOKEN_BOUND_SECONDS:
            return self._refuse("Error: Your system clock must be accurate to within 30 seconds")
        return None

    def _refuse(self, message: str) -> tuple[int, dict[str, Any]]:
        self.auth_failures.append(message)
        return 403, error_body(403, "AuthError", message)

    # the API ------------------------------------------------------------------------------------

    def post(self, kind: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.posts += 1
            if self.failures:
                status, message = self.failures.pop(0)
                error, usual = ERRORS[status]
                return status, error_body(status, error, message or usual)
            if self.fail_always is not None:
                return self.fail_always, error_body(self.fail_always, *ERRORS[self.fail_always])
            recipient = "phone_number" if kind == "sms" else "email_address"
            for required in (recipient, "template_id"):
                if not body.get(required):
                    return 400, error_body(
                        400, "ValidationError", f"{required} is a required property"
                    )
            ident = str(uuid.uuid4())
            body_text = " ".join(f"{k}={v}" for k, v in (body.get("personalisation") or {}).items())
            template = {
                "id": body["template_id"],
                "version": 1,
                "uri": f"{self.url}/v2/template/{body['template_id']}",
            }
            self.notifications.append(
                {
                    "id": ident,
                    "reference": body.get("reference"),
                    "email_address": body.get("email_address"),
                    "phone_number": body.get("phone_number"),
                    "type": kind,
                    "status": "created",
                    "template": template,
                    "body": body_text,
                    "subject": "Your session" if kind == "email" else None,
                    "personalisation": body.get("personalisation") or {},
                    "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "created_by_name": None,
                    "sent_at": None,
                    "completed_at": None,
                    "scheduled_for": None,
                    "one_click_unsubscribe_url": None,
                    "is_cost_data_ready": False,
                    "cost_in_pounds": None,
                    "cost_details": {},
                    "line_1": None,
                    "postcode": None,
                    "postage": None,
                }
            )
            content: dict[str, Any] = {"body": body_text}
            if kind == "sms":
                content["from_number"] = "GOVUK"
            else:
                content.update(
                    subject="Your session", from_email="reminders@notifications.service.gov.uk"
                )
            return 201, {
                "id": ident,
                "reference": body.get("reference"),
                "content": content,
                "uri": f"{self.url}/v2/notifications/{ident}",
                "template": template,
                "scheduled_for": None,
            }

    def list(self, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        reference = (query.get("reference") or [None])[0]
        with self.lock:
            found = [
                {k: v for k, v in n.items() if k != "personalisation"}
                for n in reversed(self.notifications)
                if reference is None or n["reference"] == reference
            ]
        return 200, {
            "notifications": found,
            "links": {"current": f"{self.url}/v2/notifications"},
        }

    # the server ---------------------------------------------------------------------------------

    def start(self) -> FakeNotify:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: dict[str, Any]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                refused = fake.check_token(self.headers.get("Authorization"))
                if refused is not None:
                    return self._answer(*refused)
                path = urlparse(self.path).path
                kinds = {"/v2/notifications/sms": "sms", "/v2/notifications/email": "email"}
                if path not in kinds:
                    return self._answer(404, error_body(404, "NotFound", "Not Found"))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    return self._answer(
                        400,
                        error_body(400, "BadRequestError", "Invalid JSON supplied in POST data"),
                    )
                return self._answer(*fake.post(kinds[path], body))

            def do_GET(self) -> None:
                refused = fake.check_token(self.headers.get("Authorization"))
                if refused is not None:
                    return self._answer(*refused)
                parsed = urlparse(self.path)
                if parsed.path != "/v2/notifications":
                    return self._answer(404, error_body(404, "NotFound", "Not Found"))
                return self._answer(*fake.list(parse_qs(parsed.query)))

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the test's output stays readable

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
