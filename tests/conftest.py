"""Whole-system tests: real services over HTTP with a real NATS server.

Fixtures shared by the system tests below: referral-api's settings and a seeded database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from referral_api.config import Settings as ReferralSettings
from referral_api.seed import seed as seed_referral
from servicekit.crypto import new_key
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.databases import TemplateDatabases

REFERRAL_ALEMBIC_INI = Path(__file__).resolve().parents[1] / "services/referral-api/alembic.ini"

ReferralSettingsFactory = Callable[..., ReferralSettings]


@pytest.fixture
async def seeded_referral_database(template_databases: TemplateDatabases) -> str:
    url = await template_databases.fresh(REFERRAL_ALEMBIC_INI)
    await seed_referral(url)
    return url


@pytest.fixture
def make_referral_settings(
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    assessment_keypair: tuple[str, str],
) -> ReferralSettingsFactory:
    """referral-api settings trusting the test identity provider, sealing to the test key."""

    def make(database_url: str, nats_url: str | None, **overrides: Any) -> ReferralSettings:
        return ReferralSettings(
            database_url=database_url,
            nats_url=nats_url,
            jwks_url=dev_idp.jwks_url,
            trusted_issuers=trusted_issuers,
            field_keys=field_keys,
            field_key_current="k1",
            identity_key=new_key(),
            assessment_public_key=assessment_keypair[1],
            **overrides,
        )

    return make
