"""scheduling-api settings, from the environment with the SCHEDULING_ prefix."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="SCHEDULING_", extra="ignore", env_nested_delimiter="__"
    )

    service_name: str = "scheduling-api"
