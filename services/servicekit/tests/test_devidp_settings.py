"""The development identity provider, and settings that refuse to start without secrets."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from servicekit.auth import Authenticator, JWKSCache, Role, TrustedIssuer
from servicekit.devidp import ISSUER, DevIdentityProvider
from servicekit.problems import Problem
from servicekit.settings import ServiceSettings


def authenticator_for(idp: DevIdentityProvider) -> Authenticator:
    return Authenticator(
        JWKSCache(idp.jwks_url), audience="diversion", trusted_issuers={ISSUER: ["*"]}
    )


async def test_a_dev_token_validates_against_its_own_jwks(tmp_path: Path) -> None:
    idp = DevIdentityProvider(tmp_path / "idp")
    assert idp.jwks_url.startswith("file://")
    principal = await authenticator_for(idp).authenticate(
        idp.token(role="facilitator", forces=["demo"], scopes=["sessions"])
    )
    assert principal.role is Role.facilitator
    assert principal.forces == frozenset({"demo"})
    assert principal.provider == "demo-provider"
    assert principal.scopes == frozenset({"sessions"})
    assert principal.force == "demo"


async def test_keys_persist_across_instances_in_the_same_directory(tmp_path: Path) -> None:
    first = DevIdentityProvider(tmp_path / "idp")
    token = first.token(role="officer", forces=["demo"])
    second = DevIdentityProvider(tmp_path / "idp")
    assert second.kid == first.kid
    assert second.key_path.read_bytes() == first.key_path.read_bytes()
    assert (await authenticator_for(second).authenticate(token)).subject == "demo-officer-1"
    assert oct(first.key_path.stat().st_mode & 0o777) == "0o600"

    elsewhere = DevIdentityProvider(tmp_path / "other")
    assert elsewhere.kid != first.kid
    with pytest.raises(Problem) as refused:
        await authenticator_for(elsewhere).authenticate(token)
    assert refused.value.status == 401


async def test_the_token_command_prints_a_token_the_services_accept(tmp_path: Path) -> None:
    env = {**os.environ, "DEVIDP_DIR": str(tmp_path / "cli-idp")}
    result = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "servicekit.devidp",
            "token",
            "--role",
            "supervisor",
            "--force",
            "north",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    principal = await authenticator_for(DevIdentityProvider(tmp_path / "cli-idp")).authenticate(
        result.stdout.strip()
    )
    assert (principal.role, principal.force) == (Role.supervisor, "north")


def test_settings_have_no_default_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "JWKS_URL", "TRUSTED_ISSUERS", "FIELD_KEYS", "FIELD_KEY_CURRENT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError) as refused:
        ServiceSettings()  # type: ignore[call-arg]
    missing = {str(e["loc"][0]) for e in refused.value.errors() if e["type"] == "missing"}
    assert {
        "database_url",
        "jwks_url",
        "trusted_issuers",
        "field_keys",
        "field_key_current",
    } <= missing


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    class KitSettings(ServiceSettings):
        model_config = {**ServiceSettings.model_config, "env_prefix": "KIT_"}  # type: ignore[typeddict-item]

    monkeypatch.setenv("KIT_DATABASE_URL", "sqlite+aiosqlite:///kit.db")
    monkeypatch.setenv("KIT_JWKS_URL", "file:///jwks.json")
    monkeypatch.setenv("KIT_TRUSTED_ISSUERS", '{"urn:x": ["force-a"]}')
    monkeypatch.setenv("KIT_FIELD_KEYS", '{"k1": "abc"}')
    monkeypatch.setenv("KIT_FIELD_KEY_CURRENT", "k1")
    settings = KitSettings()  # type: ignore[call-arg]
    assert settings.trusted_issuers == {"urn:x": TrustedIssuer(forces=["force-a"])}
    assert settings.field_keys == {"k1": "abc"}
    assert settings.nats_url is None


def with_issuers(trusted_issuers: dict[str, Any], *, jwks_url: str) -> ServiceSettings:
    """Settings that differ only in whom they trust."""
    return ServiceSettings(
        database_url="sqlite+aiosqlite:///kit.db",
        jwks_url=jwks_url,
        trusted_issuers=trusted_issuers,
        field_keys={"k1": "abc"},
        field_key_current="k1",
    )


def test_each_issuer_may_name_its_own_keys_and_roles() -> None:
    settings = with_issuers(
        {
            "urn:scheme": {"forces": ["*"], "roles": ["worker"]},
            "urn:force-a": {
                "forces": ["force-a"],
                "jwks_url": "https://login.force-a.example/jwks",
                "roles": ["officer", "supervisor"],
            },
        },
        jwks_url="file:///shared.json",
    )
    assert settings.trusted_issuers == {
        "urn:scheme": TrustedIssuer(forces=["*"], roles=["worker"]),
        "urn:force-a": TrustedIssuer(
            forces=["force-a"],
            jwks_url="https://login.force-a.example/jwks",
            roles=["officer", "supervisor"],
        ),
    }


def test_two_issuers_may_not_share_the_default_keys() -> None:
    # a key in a set two issuers share could sign as either: each needs its own jwks_url
    with pytest.raises(ValidationError, match=r"urn:force-a, urn:force-b .*jwks_url"):
        with_issuers(
            {"urn:force-a": ["force-a"], "urn:force-b": ["force-b"]},
            jwks_url="file:///shared.json",
        )


def test_an_issuer_may_not_grant_an_unknown_role() -> None:
    with pytest.raises(ValidationError, match="superuser"):
        with_issuers(
            {"urn:x": {"forces": ["force-a"], "roles": ["superuser"]}},
            jwks_url="file:///shared.json",
        )


def test_two_issuers_may_not_both_sign_in_one_role_of_one_force() -> None:
    # the same subject from each would be one caller: one could read the other's referrals
    with pytest.raises(
        ValidationError, match=r"urn:force-a and urn:scheme .* any role of force force-a"
    ):
        with_issuers(
            {
                "urn:scheme": ["*"],  # any force, any role
                "urn:force-a": {"forces": ["force-a"], "jwks_url": "https://a.example/jwks"},
            },
            jwks_url="file:///scheme.json",
        )


def test_issuers_apart_by_force_or_by_role_are_accepted() -> None:
    settings = with_issuers(
        {
            "urn:provider": {"forces": ["*"], "roles": ["worker", "facilitator"]},
            "urn:force-a": {
                "forces": ["force-a"],
                "roles": ["officer", "supervisor"],
                "jwks_url": "https://a.example/jwks",
            },
            "urn:force-b": {
                "forces": ["force-b"],
                "roles": ["officer", "integration"],
                "jwks_url": "https://b.example/jwks",
            },
        },
        jwks_url="file:///provider.json",
    )
    assert len(settings.trusted_issuers) == 3


def test_an_issuer_for_every_role_of_a_force_leaves_no_role_there_to_another() -> None:
    with pytest.raises(
        ValidationError, match=r"urn:force-b and urn:provider .* the worker role of force force-b"
    ):
        with_issuers(
            {
                "urn:provider": {"forces": ["*"], "roles": ["worker"]},
                "urn:force-b": {"forces": ["force-b"], "jwks_url": "https://b.example/jwks"},
            },
            jwks_url="file:///provider.json",
        )
