"""reporting-api settings, from the environment with the REPORTING_ prefix."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="REPORTING_", extra="ignore", env_nested_delimiter="__"
    )

    service_name: str = "reporting-api"
    max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        description="Largest request body, in bytes: a force's uploaded tables (population, "
        "baseline, recorded offences) are CSV files of a few thousand lines at most.",
    )
    rebuild_batch_size: int = Field(
        default=1000, ge=1, le=10000, description="Events a rebuild reads and writes at a time."
    )
    dev_idp_dir: str | None = Field(
        default=None,
        description="Development only: the development identity provider's folder, enabling the "
        "dashboard's sign-in as a demonstration analyst or supervisor. Never set in production.",
    )
