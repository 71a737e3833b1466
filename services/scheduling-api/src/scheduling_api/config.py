"""scheduling-api settings, from the environment with the SCHEDULING_ prefix."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCHEDULING_", extra="ignore", env_nested_delimiter="__"
    )

    service_name: str = "scheduling-api"
    private_key: str | None = Field(
        default=None,
        description="X25519 private key (base64) opening the reminder contact assessment-api "
        "seals to its public half in assessment.completed.v1. Reminders are not sent yet; until "
        "they are, the key is only held.",
    )
