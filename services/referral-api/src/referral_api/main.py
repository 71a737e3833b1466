"""referral-api: create_app() wires routers, errors, the outbox relay, the consumer of the drug
service's events, the outcome feed's sequencer, the webhook sender and the PWA."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from referral_api.admission import Admission
from referral_api.clients.router import router as client_router
from referral_api.config import Settings
from referral_api.db import kit
from referral_api.devsignin import dev_sign_in_router
from referral_api.eligibility.router import router as eligibility_router
from referral_api.forces.router import router as force_router
from referral_api.forces.scheme import SchemeCache
from referral_api.officers.router import router as officer_router
from referral_api.outcomes.router import router as outcome_router
from referral_api.outcomes.sequencer import FeedSequencer
from referral_api.portal import PortalFiles, portal_router
from referral_api.referrals.consumers import subscriptions
from referral_api.referrals.router import router as referral_router
from referral_api.webhooks.router import router as webhook_router
from referral_api.webhooks.sender import Retry, WebhookSender
from servicekit.app import ServiceRuntime, build_app
from servicekit.logs import configure_logging

DESCRIPTION = """Officers and force systems check eligibility and submit referrals for police
drug diversion. Every error is `application/problem+json`; writes that may be retried take an
`Idempotency-Key`. Contact details leave this service only sealed to the drug service."""


def create_app(
    settings: Settings | None = None, *, start_background: bool = True, null_pool: bool = False
) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(
        settings, kit, producer="referral-api", subscriptions=subscriptions(), null_pool=null_pool
    )
    runtime.add(FeedSequencer(runtime.db, interval_seconds=settings.outcome_sequence_seconds))
    runtime.add(
        WebhookSender(
            runtime.db,
            retry=Retry(
                max_attempts=settings.webhook_max_attempts,
                backoff_seconds=settings.webhook_backoff_seconds,
                backoff_max_seconds=settings.webhook_backoff_max_seconds,
                timeout_seconds=settings.webhook_timeout_seconds,
                lease_seconds=settings.webhook_lease_seconds,
            ),
            development=settings.development,
            interval_seconds=settings.webhook_send_seconds,
        )
    )
    app = build_app(
        runtime,
        title="referral-api",
        version="1.0.0",
        description=DESCRIPTION,
        routers=[
            eligibility_router,
            referral_router,
            outcome_router,
            webhook_router,
            force_router,
            client_router,
            officer_router,
        ],
        start_background=start_background,
        admission=Admission(runtime.db),
    )
    app.state.schemes = SchemeCache(ttl_seconds=settings.scheme_cache_seconds)
    if settings.dev_idp_dir:
        app.include_router(dev_sign_in_router(settings.dev_idp_dir))
    app.include_router(portal_router(settings))
    if settings.pwa_dir and Path(settings.pwa_dir).is_dir():
        app.router.routes.append(PortalFiles(settings.pwa_dir, settings))  # after every API route
    return app


def app() -> FastAPI:
    """Factory for uvicorn: `uvicorn --factory referral_api.main:app`."""
    settings = Settings()
    configure_logging("referral-api", level=settings.log_level, json_logs=settings.json_logs)
    return create_app(settings)
