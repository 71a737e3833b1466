"""scheduling-api settings, from the environment with the SCHEDULING_ prefix."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings

NOTIFY_PRODUCTION_URL = "https://api.notifications.service.gov.uk"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCHEDULING_", extra="ignore", env_nested_delimiter="__"
    )

    service_name: str = "scheduling-api"
    private_key: str | None = Field(
        default=None,
        description="X25519 private key (base64) opening the reminder contact assessment-api "
        "seals to its public half in assessment.completed.v1. Without it no reminders are "
        "scheduled (bookings go ahead).",
    )
    notify_api_key: SecretStr | None = Field(
        default=None,
        description="GOV.UK Notify API key (`{name}-{service_id}-{secret}`). Set: reminders go "
        "through Notify; unset: each message is recorded for an administrator to read.",
    )
    notify_base_url: str = Field(default=NOTIFY_PRODUCTION_URL, description="GOV.UK Notify's API.")
    reminder_send_seconds: float = Field(
        default=30.0, gt=0, description="How often the sender looks for due reminders."
    )
    reminder_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How long a claimed reminder is its sender's; after it, another instance "
        "takes it over (looking it up at the provider first, so nothing goes twice).",
    )
    reminder_max_attempts: int = Field(
        default=5, ge=1, description="Attempts before a temporarily failing reminder is failed."
    )
    reminder_retry_seconds: float = Field(
        default=60.0,
        gt=0,
        description="The first retry's wait; each later one waits twice as long.",
    )

    @field_validator("notify_api_key", "private_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        # a deployment passes an optional secret it does not use as an empty variable
        return None if isinstance(value, str) and not value.strip() else value
