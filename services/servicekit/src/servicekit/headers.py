"""Headers every response carries: no sniffing, no framing, no referrer, no caching of the API."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecurityHeaders:
    """Headers every response carries, whatever answered: no MIME sniffing, no framing by
    another site, no referrer, and no caching of JSON (the API's answers hold people's records).

    A response that sets one of these itself keeps its own: the portal's files carry the portal's
    whole Content-Security-Policy (frame-ancestors included) in place of this one.
    Pure ASGI and outermost, so refusals made before the app (413, 415) carry them too.
    """

    HEADERS = (
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("content-security-policy", "frame-ancestors 'none'"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.HEADERS:
                    headers.setdefault(name, value)
                media_type = headers.get("content-type", "").split(";")[0].strip()
                if media_type == "application/json" or media_type.endswith("+json"):
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, hardened)
