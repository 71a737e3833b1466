"""referral-api settings, from the environment with the REFERRAL_ prefix."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="REFERRAL_", extra="ignore", env_nested_delimiter="__"
    )

    service_name: str = "referral-api"
    identity_key: str = Field(
        description="Secret key (base64url, 32 bytes) for the keyed hash matching people and "
        "pseudonymising officers. Rotating it breaks matching with earlier referrals."
    )
    assessment_public_key: str = Field(
        description="The assessment service's X25519 public key: contact details are sealed to it."
    )
    assessment_key_id: str = "assessment-1"
    pwa_dir: str | None = Field(
        default=None, description="Folder of the officers' PWA to serve at /"
    )
    dev_idp_dir: str | None = Field(
        default=None,
        description="Development only: the dev identity provider's folder, enabling the sign-in "
        "picker. Never set in production.",
    )
