"""Development sign-in for the officers' portal: pick a demonstration officer, get a token.

Mounted only when REFERRAL_DEV_IDP_DIR is set (make run sets it); production deployments use the
force's OpenID Connect provider instead, and never set it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from pydantic import BaseModel

from servicekit.devidp import DevIdentityProvider
from servicekit.problems import Problem


class DemoUser(BaseModel):
    subject: str
    name: str
    role: str
    force: str


class SignInRequest(BaseModel):
    subject: str


class SignInResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int
    user: DemoUser


DEMO_USERS = [
    DemoUser(subject="demo-officer-1", name="PC 4521 Alex Morgan", role="officer", force="demo"),
    DemoUser(subject="demo-officer-2", name="PC 3307 Sam Okafor", role="officer", force="demo"),
    DemoUser(subject="demo-officer-3", name="PCSO 8810 Priya Shah", role="officer", force="demo"),
    DemoUser(
        subject="demo-supervisor-1", name="PS 1202 Jo Daniels", role="supervisor", force="demo"
    ),
    DemoUser(
        subject="northshire-officer-1",
        name="PC 77 Lee Harper (Northshire)",
        role="officer",
        force="northshire",
    ),
]
TOKEN_SECONDS = 10 * 3600  # one shift


def dev_sign_in_router(idp_dir: str) -> APIRouter:
    router = APIRouter(prefix="/dev/sign-in", tags=["development"], include_in_schema=False)
    idp = DevIdentityProvider(Path(idp_dir))

    @router.get("/users", response_model=list[DemoUser])
    async def users() -> list[DemoUser]:
        return DEMO_USERS

    @router.post("", response_model=SignInResponse)
    async def sign_in(body: SignInRequest) -> SignInResponse:
        user = next((u for u in DEMO_USERS if u.subject == body.subject), None)
        if user is None:
            raise Problem(404, "not-found", "No such demonstration user", "Pick a listed user.")
        token = idp.token(
            role=user.role,
            forces=[user.force],
            subject=user.subject,
            name=user.name,
            ttl_seconds=TOKEN_SECONDS,
        )
        return SignInResponse(access_token=token, expires_in=TOKEN_SECONDS, user=user)

    return router
