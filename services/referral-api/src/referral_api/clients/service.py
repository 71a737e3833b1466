"""The registry of integration clients, and the check every integration token passes.

The platform issues no client secrets: a force's own identity provider issues client-credentials
tokens, and this registry says which of its clients may call, for which force, with which
scopes. It is read on every request of an integration token, never cached, so a suspension or a
revocation refuses the client's very next request, even with a token issued before it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.clients import repository
from referral_api.clients.models import ClientStatus, IntegrationClient
from referral_api.clients.schemas import IntegrationClientIn
from referral_api.exceptions import (
    client_already_registered,
    client_of_another_force,
    client_refused,
    client_revoked_for_good,
    force_not_configured,
    invalid_field,
)
from servicekit.auth import Principal, Role, TrustedIssuer


@dataclass(frozen=True)
class ClientPrincipal(Principal):
    """An integration caller let in by the registry: its registration, and only what it was
    granted (its token's scopes and forces narrowed to the registration's)."""

    registration_id: uuid.UUID | None = None


def check_issuer(trusted: dict[str, TrustedIssuer], *, force: str, issuer: str) -> None:
    """The issuer must be one this deployment trusts to grant the integration role for the
    force, or no token of the client could ever be let in."""
    entry = trusted.get(issuer)
    if entry is None or not entry.may_speak_for([force]) or not entry.may_grant(Role.integration):
        fitting = sorted(
            name
            for name, e in trusted.items()
            if e.may_speak_for([force]) and e.may_grant(Role.integration)
        )
        raise invalid_field(
            "issuer",
            f"is not trusted here to issue integration tokens for force {force!r}; choose one of "
            f"{', '.join(repr(n) for n in fitting) or 'none (configure TRUSTED_ISSUERS first)'}",
        )


async def register(
    *,
    session: AsyncSession,
    payload: IntegrationClientIn,
    trusted: dict[str, TrustedIssuer],
    force_exists: bool,
    by: Principal,
    now: datetime | None = None,
) -> IntegrationClient:
    """Register a force system's client, active at once."""
    now = now or datetime.now(UTC)
    if not by.can_see_force(payload.force):
        raise invalid_field("force", "is not one of the forces your token is for")
    if not force_exists:
        raise force_not_configured(payload.force)
    check_issuer(trusted, force=payload.force, issuer=payload.issuer)
    existing = await repository.by_client(
        session=session, issuer=payload.issuer, client_id=payload.client_id
    )
    if existing is not None:
        raise client_already_registered(str(existing.id))
    client = IntegrationClient(
        id=uuid.uuid4(),
        force_id=payload.force,
        issuer=payload.issuer,
        client_id=payload.client_id,
        name=payload.name,
        scopes=[s.value for s in payload.scopes],
        status=ClientStatus.active,
        status_reason=None,
        registered_at=now,
        registered_by=by.subject,
        status_changed_at=now,
    )
    session.add(client)
    await session.flush()
    return client


def change_status(
    client: IntegrationClient, to: ClientStatus, *, reason: str | None, now: datetime | None = None
) -> IntegrationClient:
    """Suspend, reinstate or revoke. Asking again for the status it has changes nothing (a
    retry is safe); a revoked client stays revoked."""
    if client.status is to:
        return client
    if client.status is ClientStatus.revoked:
        raise client_revoked_for_good()
    client.status = to
    client.status_reason = reason
    client.status_changed_at = now or datetime.now(UTC)
    return client


async def admit(*, session: AsyncSession, principal: Principal) -> ClientPrincipal:
    """An integration token's client as the registry has it now: refused unless registered and
    active; otherwise let in with its token's scopes and forces narrowed to what was granted."""
    issuer, client_id = principal.issuer or "", principal.client_id or principal.subject
    client = await repository.by_client(session=session, issuer=issuer, client_id=client_id)
    if client is None:
        raise client_refused("unregistered", client_id, issuer, reason=None)
    if client.status is not ClientStatus.active:
        raise client_refused(client.status.value, client_id, issuer, reason=client.status_reason)
    if client.force_id not in principal.forces:
        raise client_of_another_force(client.force_id, sorted(principal.forces))
    own = {f.name: getattr(principal, f.name) for f in fields(Principal)}
    own.update(
        forces=frozenset({client.force_id}), scopes=principal.scopes & frozenset(client.scopes)
    )
    return ClientPrincipal(**own, registration_id=client.id)
