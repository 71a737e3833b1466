"""Bearer JWT validation against a JWKS, with roles and force scoping.

RS256 only, audience checked, issuer on an allow-list that also says which forces each issuer
may speak for, which roles it may grant, and where its keys are. A token's signature is checked
only against its own issuer's keys, so one identity provider's key cannot sign as another. A
token names one role and the force(s) its holder works for.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

import httpx
import jwt
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt import PyJWK
from pydantic import BaseModel, ConfigDict, Field

from servicekit.problems import Problem


class Role(StrEnum):
    officer = "officer"
    supervisor = "supervisor"
    worker = "worker"
    facilitator = "facilitator"
    analyst = "analyst"
    integration = "integration"
    admin = "admin"


class Scope(StrEnum):
    """What an integration client's grant may allow it (OAuth2 `scope`): each route open to
    integration clients names the one it needs, and a client without it is refused."""

    eligibility_check = "eligibility:check"
    referrals_write = "referrals:write"
    referrals_read = "referrals:read"
    scheme_read = "scheme:read"
    outcomes_read = "outcomes:read"


class TrustedIssuer(BaseModel):
    """An identity provider whose tokens the service accepts, and what it may say."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    forces: list[str] = Field(description='The forces it may speak for; ["*"] for any force.')
    jwks_url: str | None = Field(
        default=None,
        description="Where its keys are; unset: the service's own `jwks_url`. Issuers that share "
        "a key set can sign as each other.",
    )
    roles: list[Role] | None = Field(
        default=None, description="The roles it may grant; unset: any role."
    )

    @classmethod
    def of(cls, value: TrustedIssuer | Sequence[str]) -> TrustedIssuer:
        """From its settings form: a full entry, or just the list of forces."""
        return value if isinstance(value, TrustedIssuer) else cls(forces=list(value))

    def _forces(self) -> frozenset[str] | None:
        return None if "*" in self.forces else frozenset(self.forces)  # None: every force

    def _roles(self) -> frozenset[str] | None:
        return None if self.roles is None else frozenset(r.value for r in self.roles)

    def may_speak_for(self, forces: Collection[str]) -> bool:
        every = self._forces()
        return every is None or set(forces) <= every

    def may_grant(self, role: Role) -> bool:
        every = self._roles()
        return every is None or role.value in every

    def signs_in_alongside(self, other: TrustedIssuer) -> tuple[str, str] | None:
        """A role and a force that both issuers could sign a caller in to (as words for a
        message: "any role", "force-a"), or None when they are apart by force or by role."""
        roles = _common(self._roles(), other._roles())
        forces = _common(self._forces(), other._forces())
        if roles == frozenset() or forces == frozenset():
            return None
        return (
            "any role" if roles is None else f"the {min(roles)} role",
            "any force" if forces is None else f"force {min(forces)}",
        )


def _common(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """What two sets share, where None stands for everything."""
    if a is None:
        return b
    if b is None:
        return a
    return a & b


@dataclass(frozen=True)
class Principal:
    """Who is calling: their pseudonymous subject, role, forces, provider and scopes."""

    subject: str
    role: Role
    forces: frozenset[str]
    provider: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    name: str | None = None
    issuer: str | None = None
    # the OAuth2 client the token was issued to: RFC 9068's `client_id`, else OpenID Connect's
    # `azp`, else `sub` (which RFC 9068 makes the client's own id for client-credentials tokens)
    client_id: str | None = None

    def can_see_force(self, force_id: str) -> bool:
        return force_id in self.forces

    @property
    def force(self) -> str:
        """The caller's force when they work for exactly one (officers, supervisors)."""
        if len(self.forces) != 1:
            raise Problem(
                403,
                "force-ambiguous",
                "Choose a force",
                "Your token covers several forces; this action needs a token for one force.",
            )
        return next(iter(self.forces))


class JWKSCache:
    """Keys by id from a JWKS URL or file, refreshed when an unknown key id appears."""

    def __init__(self, url: str, *, min_refresh_seconds: float = 30.0) -> None:
        self.url = url
        self.min_refresh_seconds = min_refresh_seconds
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _load(self) -> dict[str, Any]:
        parsed = urlparse(self.url)
        if parsed.scheme == "file":
            text = await asyncio.to_thread(Path(parsed.path).read_text)
            return dict(json.loads(text))
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(self.url)
            response.raise_for_status()
            return dict(response.json())

    async def key(self, kid: str) -> PyJWK | None:
        if kid not in self._keys and time.monotonic() - self._fetched_at > self.min_refresh_seconds:
            async with self._lock:
                if kid not in self._keys:
                    document = await self._load()
                    self._keys = {
                        k["kid"]: PyJWK.from_dict(k) for k in document.get("keys", []) if "kid" in k
                    }
                    self._fetched_at = time.monotonic()
        return self._keys.get(kid)


def _unauthorised(detail: str) -> Problem:
    return Problem(
        401,
        "unauthorised",
        "Sign in again",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="diversion"'},
    )


class Authenticator:
    """Validates bearer tokens; a token already validated is remembered until it expires.

    An officer's phone sends the same token with every request of a shift: verifying its RSA
    signature each time was a measurable share of a referral's cost. Remembered tokens are kept
    no longer than `remember_seconds` and never past their own expiry.
    """

    def __init__(
        self,
        jwks: JWKSCache,
        *,
        audience: str,
        trusted_issuers: Mapping[str, TrustedIssuer | Sequence[str]],
        remember_seconds: float = 60.0,
        remember_max: int = 4096,
    ):
        self.jwks = jwks  # the keys of every issuer without a jwks_url of its own
        self.audience = audience
        self.trusted_issuers = {
            issuer: TrustedIssuer.of(trusted) for issuer, trusted in trusted_issuers.items()
        }
        self._key_sets: dict[str, JWKSCache] = {jwks.url: jwks}
        self.remember_seconds = remember_seconds
        self.remember_max = remember_max
        self._remembered: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    async def authenticate(self, token: str) -> Principal:
        remembered = self._remembered.get(token)
        if remembered is not None:
            if time.time() < remembered[0]:
                self._remembered.move_to_end(token)
                return remembered[1]
            del self._remembered[token]
        principal, expires = await self._validate(token)
        self._remembered[token] = (min(expires, time.time() + self.remember_seconds), principal)
        if len(self._remembered) > self.remember_max:
            self._remembered.popitem(last=False)
        return principal

    def _keys_of(self, trusted: TrustedIssuer) -> JWKSCache:
        url = trusted.jwks_url or self.jwks.url
        if url not in self._key_sets:
            self._key_sets[url] = JWKSCache(url, min_refresh_seconds=self.jwks.min_refresh_seconds)
        return self._key_sets[url]

    async def _validate(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
            # read before the signature is checked only to choose whose keys check it
            claimed_issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as exc:
            raise _unauthorised("The bearer token is not a JWT.") from exc
        if header.get("alg") != "RS256":
            raise _unauthorised("The bearer token must be signed with RS256.")
        trusted = (
            self.trusted_issuers.get(claimed_issuer) if isinstance(claimed_issuer, str) else None
        )
        if trusted is None:
            raise _unauthorised("The bearer token's issuer is not trusted by this service.")
        key = await self._keys_of(trusted).key(str(header.get("kid", "")))
        if key is None:
            raise _unauthorised("The bearer token was signed by a key this service does not trust.")
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=claimed_issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError as exc:
            raise _unauthorised("The bearer token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise _unauthorised(f"The bearer token is not valid: {exc}.") from exc
        try:
            role = Role(str(claims.get("role")))
        except ValueError as exc:
            raise _unauthorised("The bearer token does not carry a known role.") from exc
        if not trusted.may_grant(role):
            raise _unauthorised(f"The token's issuer may not grant the {role} role.")
        # a list only: a string is refused, not taken for one force, since "force-a force-b"
        # or "" would then name a force no issuer meant
        forces = claims.get("forces", [])
        if not isinstance(forces, list) or not all(isinstance(f, str) for f in forces):
            raise _unauthorised("The bearer token's forces claim is not a list of force ids.")
        if not trusted.may_speak_for(forces):
            raise _unauthorised("The token's issuer may not speak for the forces it names.")
        scope = claims.get("scope", "")
        principal = Principal(
            subject=str(claims["sub"]),
            role=role,
            forces=frozenset(forces),
            provider=claims.get("provider"),
            scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
            name=claims.get("name"),
            issuer=claimed_issuer,
            client_id=_client_id(claims),
        )
        return principal, float(claims["exp"])


def _client_id(claims: Mapping[str, Any]) -> str:
    """The client a token was issued to. Identity providers name it differently: RFC 9068
    `client_id` (Keycloak, Okta, the JWT access-token profile), `azp` (Entra ID v2, Auth0), or
    only `sub` (RFC 9068 for a client-credentials grant; Okta and Auth0 put the client there)."""
    for claim in ("client_id", "azp"):
        value = claims.get(claim)
        if isinstance(value, str) and value:
            return value
    return str(claims["sub"])


Admission = Callable[[Principal], Awaitable[Principal]]
"""A service's own say on each authenticated caller, asked on every request and never remembered
with the token: it may refuse the caller (raise a `Problem`) or narrow what they may do (fewer
scopes or forces). referral-api checks integration clients against its registry this way, so a
suspension applies to the next request, even of a token issued before it."""


# Declares the bearer scheme in OpenAPI on every operation that needs a caller; the answer to a
# missing or malformed header stays the kit's own 401 problem.
bearer = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="An RS256 JWT from a trusted identity provider, naming one role and the "
    "force(s) its holder works for: `Authorization: Bearer <token>`.",
    auto_error=False,
)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Principal:
    authenticator: Authenticator = request.app.state.authenticator
    token = credentials.credentials.strip() if credentials is not None else ""
    if not token:
        raise _unauthorised("Send a bearer token in the Authorization header.")
    principal = await authenticator.authenticate(token)
    admission: Admission | None = getattr(request.app.state, "admission", None)
    if admission is not None:
        principal = await admission(principal)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role, scope: Scope | None = None) -> Any:
    """A dependency that lets only `roles` through, with a 403 problem for anyone else.

    An integration client acts only within its grant: a route open to it names the `scope` it
    needs, and a client whose token lacks that scope is refused. Other roles are governed by their
    role alone.
    """
    if Role.integration in roles and scope is None:
        raise ValueError("a route open to integration clients must name the scope it needs")

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Problem(
                403,
                "forbidden",
                "Not allowed for your role",
                f"This action is for the {allowed} role(s); your token is for {principal.role}.",
            )
        needs_scope = principal.role is Role.integration and scope is not None
        if needs_scope and scope not in principal.scopes:
            raise Problem(
                403,
                "insufficient-scope",
                "Not in your client's grant",
                f"This action needs the {scope} scope, which your client's token does not carry; "
                "ask for it to be added to the client's grant.",
            )
        return principal

    return Depends(dependency)
