"""Where a webhook may point: outside development, only https to a public address.

The platform sends from inside a force's or a provider's network, so a URL naming a private,
loopback, link-local or otherwise non-public address would let whoever registers it make the
platform call what only it can reach. Both a literal address and every address a host name
resolves to are checked, on registration and again before each attempt (a name may be pointed
elsewhere after it was registered).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], Awaitable[list[str]]]


class RefusedAddress(ValueError):
    """Why a URL may not be a webhook's, in words an admin can act on."""


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to."""
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise RefusedAddress(f"the host name {host!r} does not resolve; check it") from None
    return [str(info[4][0]) for info in found]


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


async def check_url(url: str, *, development: bool, resolver: Resolver = resolve) -> None:
    """Refuse (RefusedAddress) a URL a webhook may not use; development allows http and any
    address, for a receiver on the same machine."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedAddress(
            "is not a URL: write it like https://rms.example.police.uk/hooks"
        ) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RefusedAddress("is not a URL: write it like https://rms.example.police.uk/hooks")
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress("carries a user name or password: leave them out of the URL")
    if parts.fragment:
        raise RefusedAddress("has a fragment (#...), which is never sent: leave it out")
    if development:
        return
    if parts.scheme != "https":
        raise RefusedAddress("must use https: the outcomes are sent only encrypted")
    host = parts.hostname
    literal = _literal(host)
    addresses = [literal] if literal else await resolver(host, port or 443)
    private = sorted({a for a in addresses if not is_public(a)})
    if private:
        where = "is" if literal else f"resolves to {', '.join(private)}, which is"
        raise RefusedAddress(
            f"{where} a private, loopback, link-local or otherwise non-public address: "
            "give the public https address of your receiver"
        )
