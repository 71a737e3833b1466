"""HEAD wherever GET is: the same status and headers, no body."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Answers HEAD as the route answers GET, without the body (RFC 9110 9.3.2).

    FastAPI's routes take only the methods they declare, so a GET route refused HEAD with a 405.
    Pure ASGI and before routing: the request reaches every route, mount and handler as a GET,
    and whatever answers, the body is dropped on the way out (the headers, Content-Length
    included, stay those of the GET).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
