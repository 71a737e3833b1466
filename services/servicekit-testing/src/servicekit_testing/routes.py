"""An app's HTTP routes as a caller meets them: each path with the methods it declares."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from fastapi import FastAPI


@dataclass(frozen=True)
class HttpRoute:
    path: str  # the template, e.g. /v1/referrals/{referral_id}
    methods: frozenset[str]
    pattern: re.Pattern[str]

    def example(self) -> str:
        """The path with each parameter filled in (a fresh UUID), as a caller would send it."""
        return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), self.path)


def http_routes(app: FastAPI) -> list[HttpRoute]:
    """Every route of `app` that declares methods, routers included with include_router too
    (reached through their effective routes); mounts and other routes without methods are left
    out."""
    found: list[HttpRoute] = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for effective in contexts() if contexts else [route]:
            methods = getattr(effective, "methods", None)
            path = getattr(effective, "path", None)
            pattern = getattr(effective, "path_regex", None)
            if methods and isinstance(path, str) and isinstance(pattern, re.Pattern):
                found.append(HttpRoute(path, frozenset(methods), pattern))
    return found
