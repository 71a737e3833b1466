"""Settings that refuse to start a service in a state nobody should run."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from referral_api.config import Settings


def settings(**overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "database_url": "sqlite+aiosqlite:///referrals.db",
        "jwks_url": "https://login.force-a.example/jwks",
        "trusted_issuers": {"https://login.force-a.example": ["force-a"]},
        "field_keys": {"k1": "a" * 43},
        "field_key_current": "k1",
        "identity_key": "b" * 43,
        "assessment_public_key": "c" * 43,
    }
    return Settings(**{**base, **overrides})


def test_the_development_sign_in_cannot_run_beside_a_real_one() -> None:
    # with a force's own sign-in configured, the development picker would hand anyone a token
    with pytest.raises(ValidationError, match="DEV_IDP_DIR"):
        settings(
            dev_idp_dir=".local/devidp",
            oidc_issuer="https://login.force-a.example",
            oidc_client_id="portal",
        )


def test_either_sign_in_alone_is_accepted() -> None:
    assert settings(dev_idp_dir=".local/devidp").dev_idp_dir == ".local/devidp"
    assert settings(oidc_client_id="portal").oidc_client_id == "portal"


def test_a_webhook_lease_must_outlast_an_attempt() -> None:
    # a claim that ran out mid-attempt would let a second sender send the same message
    with pytest.raises(ValidationError, match="WEBHOOK_LEASE_SECONDS"):
        settings(webhook_lease_seconds=10, webhook_timeout_seconds=10)
    assert settings(webhook_lease_seconds=11, webhook_timeout_seconds=10).webhook_lease_seconds


def test_production_is_the_default() -> None:
    assert settings().development is False
