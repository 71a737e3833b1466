"""What the officers' portal (the PWA at /) needs to know before anyone signs in.

`GET /portal-config.json` tells the portal how officers sign in on this deployment:

- `development`: the demonstration picker (/dev/sign-in), only when REFERRAL_DEV_IDP_DIR is set;
- `oidc`: the force's OpenID Connect provider, authorisation code with PKCE (a public client: no
  secret is published because none exists);
- `unavailable`: neither is configured, and the portal says so instead of failing obscurely.

It holds no secret and nothing about a person, so it needs no token, and it is served as
`no-cache` so a change of provider reaches phones on their next connection.

`PortalFiles` serves the portal itself: only its own files (an allow-list, never the folder's
README, tools or dotfiles), GET and HEAD only, each with the portal's Content-Security-Policy
(naming the force's provider exactly) and a Permissions-Policy denying what it never uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Response
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders, URLPath
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from referral_api.config import Settings

SignInMode = Literal["development", "oidc", "unavailable"]


class OidcClient(BaseModel):
    issuer: str | None
    client_id: str
    authorization_endpoint: str
    token_endpoint: str
    end_session_endpoint: str | None
    scope: str
    extra_authorize_params: dict[str, str]


class PortalConfig(BaseModel):
    sign_in: SignInMode
    oidc: OidcClient | None = None


def portal_config(settings: Settings) -> PortalConfig:
    """The sign-in mode: the development picker wins where it is enabled (never in production)."""
    if settings.dev_idp_dir:
        return PortalConfig(sign_in="development")
    if (
        settings.oidc_client_id
        and settings.oidc_authorization_endpoint
        and settings.oidc_token_endpoint
    ):
        return PortalConfig(
            sign_in="oidc",
            oidc=OidcClient(
                issuer=settings.oidc_issuer,
                client_id=settings.oidc_client_id,
                authorization_endpoint=settings.oidc_authorization_endpoint,
                token_endpoint=settings.oidc_token_endpoint,
                end_session_endpoint=settings.oidc_end_session_endpoint,
                scope=settings.oidc_scope,
                extra_authorize_params=settings.oidc_extra_authorize_params,
            ),
        )
    return PortalConfig(sign_in="unavailable")


def portal_router(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["portal"], include_in_schema=False)
    config = portal_config(settings)

    @router.get("/portal-config.json", response_model=PortalConfig)
    async def get_portal_config(response: Response) -> PortalConfig:
        response.headers["Cache-Control"] = "no-cache"
        return config

    return router


# The portal's files: these at the top of its folder, and whatever is in these folders. The
# folder's README.md, tools/ and any dotfile are not the portal and are never served.
PORTAL_ROOT_FILES = frozenset({"index.html", "manifest.webmanifest", "sw.js"})
PORTAL_FOLDERS = frozenset({"css", "icons", "js"})

# Features the portal never uses: no page of it (nor anything injected into one) may ask for them.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _sources(*urls: str | None) -> str:
    origins = sorted({origin for origin in map(_origin, urls) if origin is not None})
    return " ".join(["'self'", *origins])


def content_security_policy(settings: Settings) -> str:
    """The portal's policy: everything from itself, but for the force's provider, which it calls
    for tokens (`connect-src`) and sends the officer to to sign in and out (`form-action`, which
    also governs where a navigation may lead after a form). No wildcard, no loopback: in
    development the sign-in is the portal's own origin."""
    oidc = portal_config(settings).oidc
    connect = _sources(oidc.token_endpoint) if oidc else _sources()
    forms = _sources(oidc.authorization_endpoint, oidc.end_session_endpoint) if oidc else _sources()
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            f"connect-src {connect}",
            f"form-action {forms}",
            "base-uri 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ]
    )


class PortalFiles(BaseRoute):
    """The portal's files at /, after every API route: a path that is not one of its files is
    not matched at all, so it falls through to a 404 problem, and a method other than GET or
    HEAD on one of them is a 405 naming GET and HEAD."""

    def __init__(self, directory: str | Path, settings: Settings) -> None:
        self.directory = Path(directory).resolve()
        self.files = StaticFiles(directory=self.directory)
        self.headers = {
            "content-security-policy": content_security_policy(settings),
            "permissions-policy": PERMISSIONS_POLICY,
        }

    def file_of(self, path: str) -> str | None:
        """The file under the folder that `path` names, if it is one of the portal's."""
        parts = path.removeprefix("/").split("/")
        if parts == [""]:
            parts = ["index.html"]
        if any(not part or part.startswith(".") for part in parts):
            return None
        if not (
            (len(parts) == 1 and parts[0] in PORTAL_ROOT_FILES)
            or (len(parts) > 1 and parts[0] in PORTAL_FOLDERS)
        ):
            return None
        candidate = self.directory.joinpath(*parts).resolve()
        if not candidate.is_file() or not candidate.is_relative_to(self.directory):
            return None
        return "/".join(parts)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or self.file_of(scope["path"]) is None:
            return Match.NONE, {}
        return (Match.FULL if scope["method"] in ("GET", "HEAD") else Match.PARTIAL), {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, dict(path_params))

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405)
        file = self.file_of(scope["path"])
        if file is None:  # gone since it was matched
            raise HTTPException(status_code=404)

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        response = await self.files.get_response(file, scope)
        await response(scope, receive, with_policy)
