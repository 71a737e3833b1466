"""Settings every service shares. Each service subclasses with its own env prefix.

No secret has a default: a service without keys configured refuses to start.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    service_name: str = "service"
    database_url: str = Field(
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path.db or postgresql+asyncpg://..."
    )
    nats_url: str | None = Field(
        default=None, description="NATS server; without it events wait in the outbox."
    )
    # authentication
    jwks_url: str = Field(description="JWKS location: https://... or file:///path/jwks.json")
    jwt_audience: str = "diversion"
    trusted_issuers: dict[str, list[str]] = Field(
        description='Issuer -> forces it may speak for; ["*"] for any force.'
    )
    # encryption at rest: key id -> base64url 32-byte key; the current key encrypts new data
    field_keys: dict[str, str]
    field_key_current: str
    stream_replicas: int = Field(
        default=1, ge=1, le=5, description="JetStream replicas of the streams this service owns."
    )
    max_body_bytes: int = 64 * 1024
    outbox_poll_seconds: float = 1.0
    log_level: str = "INFO"
    json_logs: bool = True
