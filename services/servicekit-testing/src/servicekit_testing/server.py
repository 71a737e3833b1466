"""Serve an ASGI app over real HTTP inside the test's event loop, lifespan included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from servicekit_testing.nats import free_port


@asynccontextmanager
async def serving(app: Any, *, port: int | None = None) -> AsyncIterator[str]:
    """Run `app` under uvicorn on a free port; yields its base URL; stops it on exit."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        if not server.started:
            await task  # surfaces the start-up error
            raise RuntimeError("server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def response_dropping_proxy(upstream_port: int) -> AsyncIterator[int]:
    """A TCP proxy that delivers each request upstream and then drops the response.

    The client sees its connection close with no answer: a phone losing signal after the
    server has done the work.
    """
    delivered = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        try:
            request = await reader.read(65536)
            while b"\r\n\r\n" not in request:
                request += await reader.read(65536)
            head, _, body = request.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            while len(body) < length:
                body += await reader.read(65536)
            up_writer.write(head + b"\r\n\r\n" + body)
            await up_writer.drain()
            await up_reader.readuntil(b"\r\n\r\n")  # the server answered; nobody hears it
            delivered.set()
        finally:
            up_writer.close()
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        server.close()
        await server.wait_closed()
