"""Settings every service shares. Each service subclasses with its own env prefix.

No secret has a default: a service without keys configured refuses to start.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.auth import TrustedIssuer
from servicekit.crypto import FieldCipher


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
    trusted_issuers: dict[str, TrustedIssuer] = Field(
        description='Issuer -> the forces it may speak for (["*"] for any force), or -> '
        '{"forces": [...], "jwks_url": "its own keys", "roles": ["the roles it may grant"]}. '
        "At most one issuer may use `jwks_url`'s keys; the others name their own."
    )
    # encryption at rest: key id -> base64url 32-byte key; the current key encrypts new data
    field_keys: dict[str, str]
    field_key_current: str
    stream_replicas: int = Field(
        default=1, ge=1, le=5, description="JetStream replicas of the streams this service owns."
    )
    max_body_bytes: int = 64 * 1024
    max_header_bytes: int = Field(
        default=16 * 1024, gt=0, description="A request's headers in all, in bytes; over it: 431."
    )
    max_header_line_bytes: int = Field(
        default=8 * 1024, gt=0, description="One request header (name and value), in bytes."
    )
    max_header_count: int = Field(
        default=100, gt=0, description="How many headers a request may carry."
    )
    outbox_poll_seconds: float = 1.0
    idempotency_keep_seconds: float = Field(
        default=35 * 86400.0,
        gt=0,
        description="How long an Idempotency-Key and its stored response are kept: longer than "
        "the officers' portal holds an unsent referral (30 days).",
    )
    outbox_keep_published_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="How long a published event stays in the outbox before it is deleted.",
    )
    log_level: str = "INFO"
    json_logs: bool = True
    log_requests: bool = Field(
        default=True,
        description="One INFO line per request and per event handled (routes and ids, never "
        "bodies or query strings).",
    )

    @field_validator("trusted_issuers", mode="before")
    @classmethod
    def _forces_alone(cls, value: Any) -> Any:
        # the short form: just the forces, with the service's own keys and any role
        if isinstance(value, dict):
            return {k: {"forces": v} if isinstance(v, list) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _one_issuer_per_key_set(self) -> ServiceSettings:
        # a key in a set two issuers share could sign as either, and so speak for both forces
        sharing = sorted(k for k, v in self.trusted_issuers.items() if v.jwks_url is None)
        if len(sharing) > 1:
            raise ValueError(
                f"trusted issuers {', '.join(sharing)} would all be checked against jwks_url's "
                "keys, so any of them could sign as the others: give each but one its own "
                "jwks_url"
            )
        return self

    @model_validator(mode="after")
    def _one_issuer_per_role_of_a_force(self) -> ServiceSettings:
        # a caller is known by their subject alone: two issuers that could both sign in the same
        # role of the same force could each name the same subject, and be one caller
        issuers = sorted(self.trusted_issuers.items())
        for i, (first, a) in enumerate(issuers):
            for second, b in issuers[i + 1 :]:
                shared = a.signs_in_alongside(b)
                if shared is not None:
                    role, force = shared
                    raise ValueError(
                        f"trusted issuers {first} and {second} could both sign in {role} of "
                        f"{force}, so the same subject from each would be one caller: give "
                        "them different forces, or different roles"
                    )
        return self

    def field_cipher(self) -> FieldCipher:
        """The cipher of this service's `Encrypted` columns, from its key ring: pass it to
        `Database(url, cipher=...)` to open the service's database beside it (a tool, a test)."""
        return FieldCipher(self.field_keys, self.field_key_current)
