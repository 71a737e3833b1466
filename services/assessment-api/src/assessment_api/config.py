"""assessment-api settings, from the environment with the ASSESSMENT_ prefix."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from contracts.sealed import public_key_of, seal
from servicekit.settings import ServiceSettings


def _valid_private_key(value: str) -> str:
    try:
        public_key_of(value)
    except ValueError as exc:
        raise ValueError("must be a base64url X25519 private key (32 bytes)") from exc
    return value


def _valid_public_key(value: str) -> str:
    try:
        seal(b"", public_key=value, kid="check")
    except ValueError as exc:
        raise ValueError("must be a base64url X25519 public key (32 bytes)") from exc
    return value


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSESSMENT_", extra="ignore", env_nested_delimiter="__"
    )

    service_name: str = "assessment-api"
    private_key: str = Field(
        description="This service's X25519 private key (base64url): it opens the contact details "
        "that referral-api seals to the matching public key."
    )
    key_id: str = Field(
        default="assessment-1",
        description="The id of `private_key`; referral-api names it in every sealed field.",
    )
    retired_private_keys: dict[str, str] = Field(
        default_factory=dict,
        description="Key id -> earlier private keys, so events sealed before a key rotation can "
        "still be opened (replays, late deliveries).",
    )
    scheduling_public_key: str | None = Field(
        default=None,
        description="scheduling-api's X25519 public key (base64url): the reminder contact in "
        "assessment.completed.v1 is sealed to it. Unset (or empty), the event leaves the field "
        "out and a warning is logged at start: scheduling cannot send reminders for those "
        "assessments.",
    )
    scheduling_key_id: str = Field(
        default="scheduling-1",
        description="The id of `scheduling_public_key`, named in every field sealed to it.",
    )
    not_engaged_sweep_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How often the sweep closes cases whose engagement window has passed.",
    )
    not_engaged_sweep_batch: int = Field(default=200, ge=1, le=5000)

    @field_validator("private_key")
    @classmethod
    def _private_key(cls, value: str) -> str:
        return _valid_private_key(value)

    @field_validator("scheduling_public_key")
    @classmethod
    def _scheduling_public_key(cls, value: str | None) -> str | None:
        # empty is unset, as an environment variable or a Secret's value may be left
        return _valid_public_key(value) if value else None

    @field_validator("retired_private_keys")
    @classmethod
    def _retired(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value.values():
            _valid_private_key(key)
        return value

    def private_keys(self) -> dict[str, str]:
        """Every key that may open a sealed field, by key id (the current one wins)."""
        return {**self.retired_private_keys, self.key_id: self.private_key}
