"""referral-api settings, from the environment with the REFERRAL_ prefix."""

from __future__ import annotations

from pydantic import Field, model_validator
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
    scheme_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long a force's settings and rule set are cached: a change applies "
        "within this time.",
    )
    pwa_dir: str | None = Field(
        default=None, description="Folder of the officers' PWA to serve at /"
    )
    dev_idp_dir: str | None = Field(
        default=None,
        description="Development only: the dev identity provider's folder, enabling the sign-in "
        "picker. Never set in production.",
    )
    development: bool = Field(
        default=False,
        description="Development only (`make run`): webhook URLs may be http and point at this "
        "machine or a private network. Never set in production.",
    )
    outcome_sequence_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often closed referrals are numbered into the outcome feed: the most a "
        "closed referral waits before GET /v1/outcomes shows it.",
    )
    webhook_send_seconds: float = Field(
        default=2.0, gt=0, description="How often the webhook sender looks for messages due."
    )
    webhook_max_attempts: int = Field(
        default=12,
        ge=1,
        le=50,
        description="Attempts at one message before it is given up into the failed list.",
    )
    webhook_backoff_seconds: float = Field(
        default=30.0,
        gt=0,
        description="The pause after a first failed attempt; it doubles after each (with jitter).",
    )
    webhook_backoff_max_seconds: float = Field(
        default=6 * 3600.0, gt=0, description="The longest pause between two attempts."
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long one attempt waits for the receiver."
    )
    webhook_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="How long a sender's claim on a message lasts: longer than an attempt, so no "
        "other sender takes the message while it is being sent.",
    )
    webhook_secret_overlap_seconds: float = Field(
        default=86400.0,
        ge=0,
        description="After a signing-secret rotation, how long the old secret still signs beside "
        "the new one, while receivers change over.",
    )
    # The officers' portal signs in with the force's OpenID Connect provider (authorisation code
    # with PKCE, a public client); these are published to it at /portal-config.json.
    oidc_issuer: str | None = Field(default=None, description="The force's OIDC issuer URL.")
    oidc_client_id: str | None = Field(
        default=None, description="The portal's public client id at the force's provider."
    )
    oidc_authorization_endpoint: str | None = Field(
        default=None, description="The provider's authorization endpoint (https)."
    )
    oidc_token_endpoint: str | None = Field(
        default=None, description="The provider's token endpoint (https, CORS open to the portal)."
    )
    oidc_end_session_endpoint: str | None = Field(
        default=None, description="Optional: the provider's end-session (sign-out) endpoint."
    )
    oidc_scope: str = Field(default="openid profile", description="Scopes the portal asks for.")
    oidc_extra_authorize_params: dict[str, str] = Field(
        default_factory=dict,
        description='Extra authorization request parameters, e.g. {"audience": "diversion"}.',
    )

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> Settings:
        # a claim that ran out mid-attempt would let a second sender send the same message
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError(
                "WEBHOOK_LEASE_SECONDS must be longer than WEBHOOK_TIMEOUT_SECONDS, or two "
                "senders could send one message at once"
            )
        return self

    @model_validator(mode="after")
    def _one_sign_in(self) -> Settings:
        # the development picker hands a token to anyone who names a user: never beside a force's
        # real sign-in, where it would be a way round it
        real = [name for name in ("oidc_issuer", "oidc_client_id") if getattr(self, name)]
        if self.dev_idp_dir and real:
            raise ValueError(
                f"DEV_IDP_DIR (the development sign-in) is set together with {', '.join(real)} "
                "(a real sign-in): unset DEV_IDP_DIR outside development"
            )
        return self
