"""The registry of integration clients: an administrator registers a force system's client, and
suspends, reinstates or revokes it; every request of an integration token is checked against it
at once, even with a token issued before the change."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from referral_api.eligibility.schemas import example_eligibility_check
from servicekit.auth import Role, Scope, require_roles
from servicekit.devidp import ISSUER, DevIdentityProvider

from ..helpers import AuthHeaders, counts, referral_body, rows, submit

pytestmark = pytest.mark.db

ADMIN = {"role": "admin", "sub": "admin-1"}


def registration(**changes: Any) -> dict[str, Any]:
    return {
        "force": "demo",
        "issuer": ISSUER,
        "client_id": "rms-7",
        "name": "Records management system",
        "scopes": ["referrals:read"],
    } | changes


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(client: httpx.AsyncClient, auth: AuthHeaders, **changes: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/integration-clients", json=registration(**changes), headers=auth(**ADMIN)
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/integration-clients/{response.json()['id']}"
    return dict(response.json())


async def change(
    client: httpx.AsyncClient, auth: AuthHeaders, client_id: str, what: str, **headers: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/integration-clients/{client_id}/{what}",
        json={"reason": "supplier reported a leaked key"},
        headers=auth(**(ADMIN | headers)),
    )


async def test_an_admin_registers_reads_and_lists_clients_of_their_force(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    created = await register(client, auth)
    assert created | {"id": "x", "registered_at": "x", "status_changed_at": "x"} == {
        "id": "x",
        "force": "demo",
        "issuer": ISSUER,
        "client_id": "rms-7",
        "name": "Records management system",
        "scopes": ["referrals:read"],
        "status": "active",
        "status_reason": None,
        "registered_at": "x",
        "status_changed_at": "x",
    }
    read = await client.get(f"/v1/integration-clients/{created['id']}", headers=auth(**ADMIN))
    assert read.json() == created
    listed = await client.get("/v1/integration-clients", headers=auth(**ADMIN))
    # the seeded development client first, then the new one
    assert [c["client_id"] for c in listed.json()["items"]] == ["demo-integration-1", "rms-7"]
    suspended = await client.get(
        "/v1/integration-clients", params={"status": "suspended"}, headers=auth(**ADMIN)
    )
    assert suspended.json()["items"] == []
    # another force's administrator sees none of it
    other = auth(role="admin", force="northshire", sub="admin-2")
    assert (
        await client.get(f"/v1/integration-clients/{created['id']}", headers=other)
    ).status_code == 404
    theirs = (await client.get("/v1/integration-clients", headers=other)).json()["items"]
    assert [c["client_id"] for c in theirs] == ["northshire-integration-1"]
    assert (
        await change(client, auth, created["id"], "suspension", force="northshire")
    ).status_code == 404
    log = await rows(
        referral_database,
        "SELECT actor, action, resource_type, resource_id, force_id FROM audit_log",
    )
    assert [tuple(r) for r in log] == [
        ("admin-1", "register", "integration-client", created["id"], "demo")
    ]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"issuer": "https://idp.elsewhere.example"}, "issuer", "not trusted here"),
        ({"force": "northshire"}, "force", "not one of the forces your token is for"),
        ({"scopes": ["referrals:read", "referrals:read"]}, "scopes", "list each scope once"),
        ({"scopes": ["everything"]}, "scopes.0", "choose one of"),
        ({"scopes": []}, "scopes", ""),
        ({"client_id": ""}, "client_id", ""),
    ],
)
async def test_a_registration_that_could_never_work_is_refused_naming_the_field(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    referral_database: str,
    changes: dict[str, Any],
    field: str,
    words: str,
) -> None:
    before = await counts(referral_database)
    response = await client.post(
        "/v1/integration-clients", json=registration(**changes), headers=auth(**ADMIN)
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors and words in errors[field], errors
    assert await counts(referral_database) == before


async def test_an_issuer_must_be_trusted_for_the_force_and_the_integration_role(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    from referral_api.clients.service import check_issuer
    from servicekit.auth import Role, TrustedIssuer
    from servicekit.problems import Problem

    trusted = {
        "https://idp.demo.example": TrustedIssuer(forces=["demo"]),
        "https://idp.north.example": TrustedIssuer(forces=["northshire"]),
        "https://portal.demo.example": TrustedIssuer(forces=["demo"], roles=[Role.officer]),
    }
    check_issuer(trusted, force="demo", issuer="https://idp.demo.example")
    for issuer in ("https://idp.north.example", "https://portal.demo.example"):
        with pytest.raises(Problem) as refused:
            check_issuer(trusted, force="demo", issuer=issuer)
        assert "'https://idp.demo.example'" in refused.value.errors[0]["message"]


async def test_one_client_is_registered_once(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    first = await register(client, auth)
    again = await client.post(
        "/v1/integration-clients", json=registration(name="Again"), headers=auth(**ADMIN)
    )
    assert again.status_code == 409
    assert first["id"] in again.json()["detail"]


async def test_an_unregistered_client_is_refused_saying_what_to_do(
    client: httpx.AsyncClient, token: Any
) -> None:
    response = await client.get(
        "/v1/force", headers=bearer(token("integration", sub="rms-unknown"))
    )
    assert response.status_code == 403
    body = response.json()
    assert body["type"] == "urn:diversion:problem:integration-client-not-registered"
    assert (
        "rms-unknown" in body["detail"] and "ask the deployment's administrator" in body["detail"]
    )


async def test_suspension_and_revocation_refuse_a_token_already_issued_at_once(
    client: httpx.AsyncClient, auth: AuthHeaders, token: Any
) -> None:
    registered = await register(client, auth, scopes=["eligibility:check"])
    issued = bearer(token("integration", sub="rms-7"))
    check = example_eligibility_check()

    async def eligibility() -> httpx.Response:
        return await client.post("/v1/eligibility-checks", json=check, headers=issued)

    assert (await eligibility()).status_code == 200
    suspended = await change(client, auth, registered["id"], "suspension")
    assert suspended.json()["status"] == "suspended"
    assert suspended.json()["status_reason"] == "supplier reported a leaked key"
    refused = await eligibility()  # the same token, remembered by the authenticator
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:diversion:problem:integration-client-suspended"
    assert "reinstate" in refused.json()["detail"]
    # suspending again changes nothing; reinstating lets the same token in again
    assert (await change(client, auth, registered["id"], "suspension")).status_code == 200
    assert (await change(client, auth, registered["id"], "reinstatement")).json()["status"] == (
        "active"
    )
    assert (await eligibility()).status_code == 200
    revoked = await change(client, auth, registered["id"], "revocation")
    assert revoked.json()["status"] == "revoked"
    gone = await eligibility()
    assert gone.status_code == 403
    assert gone.json()["type"] == "urn:diversion:problem:integration-client-revoked"
    assert "new client id" in gone.json()["detail"]
    # revocation is final
    for what in ("reinstatement", "suspension"):
        final = await change(client, auth, registered["id"], what)
        assert final.status_code == 409
        assert final.json()["type"] == "urn:diversion:problem:integration-client-revoked"
    assert (await eligibility()).status_code == 403


async def test_every_change_is_in_the_access_log(
    client: httpx.AsyncClient, auth: AuthHeaders, referral_database: str
) -> None:
    registered = await register(client, auth)
    for what in ("suspension", "suspension", "reinstatement", "revocation"):
        await change(client, auth, registered["id"], what)
    log = await rows(
        referral_database,
        "SELECT action FROM audit_log WHERE resource_type = 'integration-client' ORDER BY at",
    )
    assert [r.action for r in log] == ["register", "suspend", "reinstate", "revoke"]


async def test_a_client_acts_only_within_its_grant_whatever_its_token_says(
    client: httpx.AsyncClient, auth: AuthHeaders, token: Any
) -> None:
    await register(client, auth, scopes=["referrals:read"])
    # the token carries every scope; the registration grants only referrals:read
    everything = bearer(token("integration", sub="rms-7"))
    created = (await submit(client, auth())).json()
    read = await client.get(f"/v1/referrals/{created['id']}", headers=everything)
    assert read.status_code == 200, read.text
    write = await submit(client, everything)
    assert write.status_code == 403
    assert write.json()["type"] == "urn:diversion:problem:insufficient-scope"


async def test_a_client_acts_only_for_its_registered_force(
    client: httpx.AsyncClient, auth: AuthHeaders, dev_idp: DevIdentityProvider
) -> None:
    await register(client, auth)
    north = referral_body()
    north["encounter"]["area"] = "coast"
    theirs = (await submit(client, auth(force="northshire"), north)).json()
    ours = (await submit(client, auth())).json()
    both = bearer(dev_idp.token(role="integration", forces=["demo", "northshire"], subject="rms-7"))
    # a token naming two forces is narrowed to the registration's one
    assert (await client.get(f"/v1/referrals/{ours['id']}", headers=both)).status_code == 200
    assert (await client.get(f"/v1/referrals/{theirs['id']}", headers=both)).status_code == 404
    other = bearer(dev_idp.token(role="integration", forces=["northshire"], subject="rms-7"))
    refused = await client.get(f"/v1/referrals/{theirs['id']}", headers=other)
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:diversion:problem:integration-client-force"


async def test_the_client_is_the_tokens_client_id_claim_when_it_has_one(
    client: httpx.AsyncClient, auth: AuthHeaders, dev_idp: DevIdentityProvider
) -> None:
    await register(client, auth, client_id="custody-3", scopes=["scheme:read"])
    # as Keycloak issues them: sub is a service account, client_id the client
    token = dev_idp.token(
        role="integration", forces=["demo"], subject="service-account-9", client_id="custody-3"
    )
    assert (await client.get("/v1/force", headers=bearer(token))).status_code == 200
    # the same subject without the claim is another client, not registered
    bare = dev_idp.token(role="integration", forces=["demo"], subject="service-account-9")
    assert (await client.get("/v1/force", headers=bearer(bare))).status_code == 403


async def test_a_route_declared_only_with_require_roles_gets_the_check(
    app: FastAPI, client: httpx.AsyncClient, auth: AuthHeaders, token: Any
) -> None:
    # as a feed of outcomes would be declared: nothing but the role and the scope
    async def outcomes() -> dict[str, str]:
        return {"feed": "ok"}

    app.add_api_route(
        "/v1/declared-like-outcomes",
        outcomes,
        dependencies=[require_roles(Role.integration, scope=Scope.outcomes_read)],
    )
    granted = await register(client, auth, client_id="feed-1", scopes=["outcomes:read"])
    await register(client, auth, client_id="feed-2", scopes=["referrals:read"])

    async def call(client_id: str) -> httpx.Response:
        headers = bearer(token("integration", sub=client_id))
        return await client.get("/v1/declared-like-outcomes", headers=headers)

    assert (await call("feed-1")).status_code == 200
    assert (await call("feed-2")).json()["type"] == "urn:diversion:problem:insufficient-scope"
    assert (await call("feed-3")).json()["type"] == (
        "urn:diversion:problem:integration-client-not-registered"
    )
    await change(client, auth, granted["id"], "suspension")
    assert (await call("feed-1")).json()["type"] == (
        "urn:diversion:problem:integration-client-suspended"
    )


async def test_a_suspension_through_one_instance_refuses_at_once_on_another(
    client: httpx.AsyncClient, auth: AuthHeaders, token: Any, referral_settings: Any
) -> None:
    from referral_api.main import create_app

    registered = await register(client, auth, scopes=["scheme:read"])
    issued = bearer(token("integration", sub="rms-7"))
    other = create_app(referral_settings, start_background=False)
    transport = httpx.ASGITransport(app=other)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://second") as second:
            assert (await second.get("/v1/force", headers=issued)).status_code == 200
            await change(client, auth, registered["id"], "suspension")
            refused = await second.get("/v1/force", headers=issued)
            assert refused.status_code == 403
            assert refused.json()["type"] == "urn:diversion:problem:integration-client-suspended"
    finally:
        await other.state.runtime.db.dispose()
