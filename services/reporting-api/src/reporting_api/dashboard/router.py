"""`GET /dashboard` and its own files, each with the dashboard's Content-Security-Policy.

The page is static: it holds no figure and no secret, and fetches the reports itself with the
reader's bearer token (never in a URL). Only the files named here are served, GET and HEAD only;
any other path under /dashboard/ is a 404 problem. None of it is in the OpenAPI schema.

The policy allows scripts and styles from this service alone: no inline script, no eval (the
charting library's UMD build needs neither), and no inline style either: the library sizes its
canvases through the style object (CSSOM), which a policy does not govern, and never writes a
`style` attribute or a `<style>` element.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel

from reporting_api.config import Settings
from servicekit.problems import Problem

STATIC = Path(__file__).parent / "static"

# what each of the dashboard's files is, by its path under /dashboard/
FILES = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "vendor/chart.umd.min.js": "text/javascript; charset=utf-8",
}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)
# features the dashboard never uses
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": PERMISSIONS_POLICY,
    # the page is the same for everyone; a new release must reach the next page load
    "Cache-Control": "no-cache",
}


class DashboardConfig(BaseModel):
    sign_in: Literal["development", "token"]


def dashboard_router(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["dashboard"], include_in_schema=False)
    config = DashboardConfig(sign_in="development" if settings.dev_idp_dir else "token")

    @router.api_route("/dashboard", methods=["GET", "HEAD"])
    async def page() -> FileResponse:
        return FileResponse(
            STATIC / "index.html", media_type="text/html; charset=utf-8", headers=HEADERS
        )

    @router.get("/dashboard/config.json", response_model=DashboardConfig)
    async def get_config(response: Response) -> DashboardConfig:
        """How people sign in here: the demonstration picker, or a pasted bearer token."""
        response.headers["Cache-Control"] = "no-cache"
        return config

    @router.api_route("/dashboard/{path:path}", methods=["GET", "HEAD"])
    async def file(path: str) -> FileResponse:
        media_type = FILES.get(path)
        if media_type is None:
            raise Problem(
                404,
                "not-found",
                "No such dashboard file",
                "The dashboard is at /dashboard; open it there.",
            )
        return FileResponse(STATIC / path, media_type=media_type, headers=HEADERS)

    return router
