"""Bearer JWT authentication and roles, through the ASGI app of the fixture service."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import jwt
import pytest
from kit_fixture_support import FORCE_A_ISSUER, FORCE_A_ROLE, Service, claims, sign

from servicekit.devidp import DevIdentityProvider

pytestmark = pytest.mark.db


def assert_unauthorised(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["type"] == "urn:diversion:problem:unauthorised"
    assert body["status"] == 401
    assert body["title"]
    assert reason in body["detail"], body["detail"]
    assert body["instance"] == "/whoami"


async def whoami(service: Service, token: str) -> httpx.Response:
    return await service.client.get("/whoami", headers={"Authorization": f"Bearer {token}"})


async def test_a_valid_token_names_the_caller(service: Service) -> None:
    token = service.token(
        "worker", ["force-a", "force-b"], subject="w-42", scopes=["read", "write"], name="Sam"
    )
    response = await whoami(service, token)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "subject": "w-42",
        "role": "worker",
        "forces": ["force-a", "force-b"],
        "provider": "demo-provider",
        "scopes": ["read", "write"],
        "name": "Sam",
    }


async def test_an_issuer_may_speak_only_for_its_forces(service: Service) -> None:
    own = sign(
        service.force_a_idp, claims(iss=FORCE_A_ISSUER, forces=["force-a"], role=FORCE_A_ROLE)
    )
    assert (await whoami(service, own)).status_code == 200
    other = sign(
        service.force_a_idp,
        claims(iss=FORCE_A_ISSUER, forces=["force-a", "force-b"], role=FORCE_A_ROLE),
    )
    assert_unauthorised(await whoami(service, other), "may not speak for the forces")


async def test_no_token_or_another_scheme_is_refused(service: Service) -> None:
    assert_unauthorised(await service.client.get("/whoami"), "Send a bearer token")
    basic = await service.client.get("/whoami", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_unauthorised(basic, "Send a bearer token")
    assert_unauthorised(await whoami(service, "not-a-jwt"), "not a JWT")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"aud": "another-platform"}, "not valid"),
        ({"iss": "urn:someone:else"}, "issuer is not trusted"),
        ({"role": None}, "known role"),
        ({"role": "superuser"}, "known role"),
        ({"sub": None}, "not valid"),
    ],
    ids=["expired", "wrong-audience", "wrong-issuer", "missing-role", "unknown-role", "no-sub"],
)
async def test_a_token_with_bad_claims_is_refused(
    service: Service, overrides: dict[str, object], reason: str
) -> None:
    assert_unauthorised(await whoami(service, sign(service.idp, claims(**overrides))), reason)


async def test_an_expired_dev_token_is_refused(service: Service) -> None:
    assert_unauthorised(await whoami(service, service.token(ttl_seconds=-120)), "expired")


async def test_a_key_the_service_does_not_trust_is_refused(
    service: Service, tmp_path: Path
) -> None:
    stranger = DevIdentityProvider(tmp_path / "stranger")
    assert_unauthorised(
        await whoami(service, stranger.token(role="admin", forces=["force-a"])),
        "key this service does not trust",
    )
    # a stranger's signature under the trusted key id fails the signature check
    forged = jwt.encode(
        claims(role="admin"),
        stranger.key_path.read_bytes(),
        algorithm="RS256",
        headers={"kid": service.idp.kid},
    )
    assert_unauthorised(await whoami(service, forged), "not valid")


@pytest.mark.parametrize("alg", ["none", "HS256"])
async def test_other_algorithms_are_refused(service: Service, alg: str) -> None:
    key = "" if alg == "none" else "a-shared-secret-anyone-could-guess"
    token = jwt.encode(claims(role="admin"), key, algorithm=alg, headers={"kid": service.idp.kid})
    assert_unauthorised(await whoami(service, token), "RS256")


async def test_require_roles_refuses_other_roles_with_403(service: Service) -> None:
    response = await service.client.get("/admin", headers=service.auth("officer"))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:diversion:problem:forbidden"
    assert "admin, supervisor" in body["detail"] and "officer" in body["detail"]
    assert "www-authenticate" not in response.headers

    for role in ("admin", "supervisor"):
        allowed = await service.client.get("/admin", headers=service.auth(role))
        assert allowed.status_code == 200, allowed.text
        assert allowed.json() == {"hello": f"force-a-{role}-1"}

    nobody = await service.client.get("/admin")
    assert nobody.status_code == 401


async def test_a_validated_token_is_remembered_for_a_short_while(tmp_path: Path) -> None:
    from servicekit.auth import Authenticator, JWKSCache
    from servicekit.devidp import ISSUER
    from servicekit.problems import Problem

    idp = DevIdentityProvider(tmp_path / "idp")
    authenticator = Authenticator(
        JWKSCache(idp.jwks_url),
        audience="diversion",
        trusted_issuers={ISSUER: ["*"]},
        remember_seconds=0.5,
    )
    token = idp.token(role="officer", forces=["demo"])
    first = await authenticator.authenticate(token)
    authenticator.trusted_issuers = {}  # the issuer is no longer trusted
    assert await authenticator.authenticate(token) == first  # remembered, not re-checked
    await asyncio.sleep(0.6)
    with pytest.raises(Problem, match="issuer is not trusted"):
        await authenticator.authenticate(token)


# --- which keys speak for which issuer ----------------------------------------------------------


async def test_a_key_of_one_issuer_cannot_sign_for_another(service: Service) -> None:
    # force-a's identity provider has keys of its own; the development provider's key, though
    # trusted for its own issuer, must not be able to sign as force-a's
    impostor = sign(service.idp, claims(iss=FORCE_A_ISSUER, forces=["force-a"], role="supervisor"))
    assert_unauthorised(await whoami(service, impostor), "key this service does not trust")
    genuine = sign(
        service.force_a_idp, claims(iss=FORCE_A_ISSUER, forces=["force-a"], role=FORCE_A_ROLE)
    )
    assert (await whoami(service, genuine)).status_code == 200
    # and force-a's key cannot sign as the development provider either
    reverse = sign(service.force_a_idp, claims(forces=["force-b"]))
    assert_unauthorised(await whoami(service, reverse), "key this service does not trust")


async def test_an_issuer_may_grant_only_its_roles(tmp_path: Path) -> None:
    from servicekit.auth import Authenticator, JWKSCache, TrustedIssuer
    from servicekit.devidp import ISSUER
    from servicekit.problems import Problem

    idp = DevIdentityProvider(tmp_path / "provider-idp")
    authenticator = Authenticator(
        JWKSCache(idp.jwks_url),
        audience="diversion",
        trusted_issuers={ISSUER: TrustedIssuer(forces=["*"], roles=["worker", "facilitator"])},
    )
    worker = await authenticator.authenticate(idp.token(role="worker", forces=["demo"]))
    assert worker.role == "worker"
    with pytest.raises(Problem, match="may not grant the supervisor role"):
        await authenticator.authenticate(idp.token(role="supervisor", forces=["demo"]))


@pytest.mark.parametrize(
    "forces", [7, {"force-a": True}, ["force-a", 3], "force-a", "", "force-a force-b"]
)
async def test_a_malformed_forces_claim_is_refused(service: Service, forces: object) -> None:
    token = sign(service.idp, {**claims(), "forces": forces})
    assert_unauthorised(await whoami(service, token), "forces")


# --- integration clients: what their grant allows ------------------------------------------------


async def test_an_integration_client_needs_the_routes_scope(service: Service) -> None:
    granted = await service.client.get(
        "/records", headers=service.auth("integration", scopes=["referrals:read"])
    )
    assert granted.status_code == 200, granted.text
    for scopes in (["referrals:write", "eligibility:check"], ["referrals"]):
        refused = await service.client.get(
            "/records", headers=service.auth("integration", scopes=scopes)
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        body = refused.json()
        assert body["type"] == "urn:diversion:problem:insufficient-scope"
        assert "referrals:read" in body["detail"]
    # other roles are governed by their role alone
    supervisor = await service.client.get("/records", headers=service.auth("supervisor"))
    assert supervisor.status_code == 200


def test_every_route_open_to_integration_clients_names_a_scope() -> None:
    from servicekit.auth import Role, require_roles

    with pytest.raises(ValueError, match="scope"):
        require_roles(Role.officer, Role.integration)


def test_development_integration_tokens_carry_every_scope_unless_told(tmp_path: Path) -> None:
    from servicekit.auth import Scope

    idp = DevIdentityProvider(tmp_path / "idp")
    every = jwt.decode(
        idp.token(role="integration", forces=["demo"]), options={"verify_signature": False}
    )
    assert set(every["scope"].split()) == {s.value for s in Scope}
    one = jwt.decode(
        idp.token(role="integration", forces=["demo"], scopes=["referrals:read"]),
        options={"verify_signature": False},
    )
    assert one["scope"] == "referrals:read"
    officer = jwt.decode(
        idp.token(role="officer", forces=["demo"]), options={"verify_signature": False}
    )
    assert "scope" not in officer


# --- the client a token was issued to, and the service's own say on each caller -----------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"client_id": "rms-7", "azp": "other", "sub": "svc-1"}, "rms-7"),
        ({"azp": "custody-2", "sub": "svc-1"}, "custody-2"),
        ({"sub": "rms-7@clients"}, "rms-7@clients"),
    ],
    ids=["rfc9068-client_id", "oidc-azp", "sub-only"],
)
async def test_the_client_is_read_from_client_id_then_azp_then_sub(
    service: Service, extra: dict[str, str], expected: str
) -> None:
    token = sign(
        service.force_a_idp,
        claims(iss=FORCE_A_ISSUER, forces=["force-a"], role=FORCE_A_ROLE, **extra),
    )
    response = await service.client.get(
        "/whoami/client", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"issuer": FORCE_A_ISSUER, "client_id": expected}


async def test_admission_is_asked_on_every_request_even_for_a_remembered_token(
    service: Service,
) -> None:
    from dataclasses import replace

    from servicekit.auth import Principal
    from servicekit.problems import Problem

    refused: set[str] = set()
    asked: list[str] = []

    async def admission(principal: Principal) -> Principal:
        asked.append(principal.subject)
        if principal.subject in refused:
            raise Problem(403, "client-suspended", "Suspended", "Ask your administrator.")
        return replace(principal, scopes=principal.scopes - {"referrals:read"})

    service.app.state.admission = admission
    try:
        headers = service.auth("integration", subject="rms-1", scopes=["referrals:read", "x"])
        first = await service.client.get("/whoami", headers=headers)
        assert first.json()["scopes"] == ["x"]  # narrowed by the service
        # the route's scope is checked against the narrowed grant
        narrowed = await service.client.get("/records", headers=headers)
        assert narrowed.status_code == 403
        assert narrowed.json()["type"] == "urn:diversion:problem:insufficient-scope"
        refused.add("rms-1")
        # the same token, remembered by the authenticator, is refused at once
        again = await service.client.get("/whoami", headers=headers)
        assert again.status_code == 403
        assert again.json()["type"] == "urn:diversion:problem:client-suspended"
        assert asked == ["rms-1", "rms-1", "rms-1"]
    finally:
        service.app.state.admission = None
