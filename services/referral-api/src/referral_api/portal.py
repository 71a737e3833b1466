"""What the officers' portal (the PWA at /) needs to know before anyone signs in.

`GET /portal-config.json` tells the portal how officers sign in on this deployment:

- `development`: the demonstration picker (/dev/sign-in), only when REFERRAL_DEV_IDP_DIR is set;
- `oidc`: the force's OpenID Connect provider, authorisation code with PKCE (a public client: no
  secret is published because none exists);
- `unavailable`: neither is configured, and the portal says so instead of failing obscurely.

It holds no secret and nothing about a person, so it needs no token, and it is served as
`no-cache` so a change of provider reaches phones on their next connection.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

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
