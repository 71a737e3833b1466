"""reporting-api: create_app() wires the report routers, the consumers of every stream and the
rebuild."""

from __future__ import annotations

from fastapi import FastAPI

from reporting_api.config import Settings
from reporting_api.dashboard.devsignin import dev_sign_in_router
from reporting_api.dashboard.router import dashboard_router
from reporting_api.db import kit
from reporting_api.forces.router import router as forces_router
from reporting_api.projections.projector import subscriptions
from reporting_api.projections.rebuild import Rebuilder
from reporting_api.projections.router import router as admin_router
from reporting_api.reports.router import router as report_router
from servicekit.app import ServiceRuntime, build_app
from servicekit.logs import configure_logging

PRODUCER = "reporting-api"

DESCRIPTION = """Reporting for police drug diversion, built from the scheme's events alone: the
volumes, the funnel from referral to completion, at-least-assessment compliance, re-referral,
timeliness, needs and safeguarding, pathways and scores, officer time saved, officer and area
variation, and disproportionality by ethnic group against each force's population. Every figure
is an aggregate for one force and period, small numbers suppressed (with secondary suppression so
a hidden count cannot be worked out from totals); nothing describes one person. Each report is
JSON, or CSV with `Accept: text/csv`; `/dashboard` draws them. An administrator rebuilds the
projections by replaying the streams from the start. Every error is `application/problem+json`."""


def create_runtime(settings: Settings) -> ServiceRuntime:
    """The kit's runtime, consuming every stream, with the rebuilder beside it."""
    runtime = ServiceRuntime(settings, kit, producer=PRODUCER, subscriptions=subscriptions())
    runtime.add(Rebuilder(runtime.db, settings))
    return runtime


def create_app(settings: Settings | None = None, *, start_background: bool = True) -> FastAPI:
    settings = settings or Settings()
    app = build_app(
        create_runtime(settings),
        title="reporting-api",
        version="1.0.0",
        description=DESCRIPTION,
        routers=[report_router, forces_router, admin_router, dashboard_router(settings)],
        body_media_types=("text/csv",),
        start_background=start_background,
    )
    if settings.dev_idp_dir:
        app.include_router(dev_sign_in_router(settings.dev_idp_dir))
    return app


def app() -> FastAPI:
    """Factory for uvicorn: `uvicorn --factory reporting_api.main:app`."""
    settings = Settings()
    configure_logging("reporting-api", level=settings.log_level, json_logs=settings.json_logs)
    return create_app(settings)
