"""Development sign-in for the dashboard: pick a demonstration analyst or supervisor, get a token.

Mounted only when REPORTING_DEV_IDP_DIR is set (make run sets it); a deployment signs people in
with the force's provider instead, and the dashboard then asks for a bearer token to be pasted.
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
    DemoUser(
        subject="demo-analyst-1",
        name="Sam Patel",
        role="analyst",
        force="demo",
    ),
    DemoUser(
        subject="demo-supervisor-1", name="PS 1202 Jo Daniels", role="supervisor", force="demo"
    ),
]
TOKEN_SECONDS = 8 * 3600  # a working day


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
            raise Problem(
                404,
                "not-found",
                "No such demonstration user",
                f"Pick one of {', '.join(u.subject for u in DEMO_USERS)}.",
            )
        token = idp.token(
            role=user.role,
            forces=[user.force],
            subject=user.subject,
            name=user.name,
            ttl_seconds=TOKEN_SECONDS,
        )
        return SignInResponse(access_token=token, expires_in=TOKEN_SECONDS, user=user)

    return router
