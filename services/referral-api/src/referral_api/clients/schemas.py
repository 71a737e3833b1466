"""Registering integration clients and reading the registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from referral_api.clients.models import ClientStatus
from referral_api.schemas import Strict
from servicekit.auth import Scope
from servicekit.paging import Page
from servicekit.schemas import FromRow
from servicekit.types import MultilineText, Text

# What a force system may be granted. `scheme:read` is the force's settings and rule set, which a
# system needs to ask the eligibility questions the same way the portal does.
GRANTABLE = (
    Scope.eligibility_check,
    Scope.referrals_write,
    Scope.referrals_read,
    Scope.outcomes_read,
    Scope.scheme_read,
)


class IntegrationClientIn(Strict):
    force: Text = Field(min_length=1, max_length=64, description="The force it acts for.")
    issuer: Text = Field(
        min_length=1,
        max_length=300,
        description="The force's identity provider that issues its client-credentials tokens "
        "(the tokens' `iss`); one this deployment trusts for the force.",
    )
    client_id: Text = Field(
        min_length=1,
        max_length=200,
        description="Its client id at that issuer: the tokens' `client_id` claim, else `azp`, "
        "else `sub`.",
    )
    name: Text = Field(min_length=1, max_length=200, description="What the system is.")
    scopes: list[Scope] = Field(
        min_length=1,
        max_length=len(GRANTABLE),
        description="What it is granted; a token's scopes count only where granted here.",
    )

    @field_validator("scopes")
    @classmethod
    def _each_once(cls, value: list[Scope]) -> list[Scope]:
        if len(set(value)) != len(value):
            raise ValueError("list each scope once")
        return value


class StatusChangeIn(Strict):
    reason: MultilineText = Field(
        min_length=1, max_length=500, description="Why, for the access log and the next reader."
    )


class IntegrationClientOut(FromRow):
    id: uuid.UUID
    force: str = Field(validation_alias="force_id")
    issuer: str
    client_id: str
    name: str
    scopes: list[Scope]
    status: ClientStatus = Field(
        description="active: let through; suspended: refused until reinstated; revoked: refused "
        "for ever (register a new client)."
    )
    status_reason: str | None
    registered_at: datetime
    status_changed_at: datetime


class IntegrationClientPage(Page[IntegrationClientOut]):
    """One page of integration clients."""


def example_client() -> dict[str, Any]:
    """A registration the demonstration deployment accepts (its development issuer)."""
    return {
        "force": "demo",
        "issuer": "urn:diversion:dev-idp",
        "client_id": f"demo-rms-{uuid.uuid4().hex[:8]}",
        "name": "Demonstration records management system",
        "scopes": ["eligibility:check", "referrals:write", "referrals:read", "outcomes:read"],
    }
