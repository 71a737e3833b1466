"""assessment-api: create_app() wires routers, errors, the outbox relay, the referral consumer
and the not-engaged sweep."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from assessment_api.assessments.router import router as assessment_router
from assessment_api.casefile.router import router as case_file_router
from assessment_api.cases.consumers import ReferralHandlers
from assessment_api.cases.router import router as case_router
from assessment_api.cases.sweep import NotEngagedSweep
from assessment_api.config import Settings
from assessment_api.db import kit
from assessment_api.directory.router import router as directory_router
from assessment_api.instruments.router import router as instrument_router
from assessment_api.safeguarding.router import router as safeguarding_router
from assessment_api.support.router import router as support_router
from servicekit.app import ServiceRuntime, build_app
from servicekit.logs import configure_logging

log = logging.getLogger(__name__)

PRODUCER = "assessment-api"

DESCRIPTION = """The provider's side of police drug diversion: the worker's queue of cases, contact
attempts, the telephone assessment (AUDIT-C/AUDIT, PGSI, SDS, the holistic check and harm-reduction
advice), allocation to a pathway, and support and safeguarding referrals. A case belongs to the
provider that served its force when it opened; only that provider's workers see it. Every error
is `application/problem+json`; writes that may be retried take an optional `Idempotency-Key`."""


def create_runtime(settings: Settings) -> ServiceRuntime:
    """The kit's runtime, consuming referral events, with the not-engaged sweep beside it."""
    if settings.scheduling_public_key is None:
        log.warning(
            "ASSESSMENT_SCHEDULING_PUBLIC_KEY is not set: assessment.completed.v1 is published "
            "without the sealed reminder contact, so scheduling-api cannot send session "
            "reminders for these assessments. Set it to scheduling-api's public key "
            "(deploy/generate_secrets.py makes the pair) if this deployment schedules sessions."
        )
    handlers = ReferralHandlers(settings)
    runtime = ServiceRuntime(
        settings, kit, producer=PRODUCER, subscriptions=[handlers.subscription()]
    )
    runtime.add(
        NotEngagedSweep(
            runtime.db,
            interval_seconds=settings.not_engaged_sweep_seconds,
            batch_size=settings.not_engaged_sweep_batch,
        )
    )
    return runtime


def create_app(settings: Settings | None = None, *, start_background: bool = True) -> FastAPI:
    settings = settings or Settings()
    runtime = create_runtime(settings)
    return build_app(
        runtime,
        title="assessment-api",
        version="1.0.0",
        description=DESCRIPTION,
        routers=[
            case_router,
            case_file_router,
            assessment_router,
            instrument_router,
            directory_router,
            support_router,
            safeguarding_router,
        ],
        start_background=start_background,
    )


def app() -> FastAPI:
    """Factory for uvicorn: `uvicorn --factory assessment_api.main:app`."""
    settings = Settings()
    configure_logging("assessment-api", level=settings.log_level, json_logs=settings.json_logs)
    return create_app(settings)
