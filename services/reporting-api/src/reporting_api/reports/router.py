"""GET /v1/reports/...: each report for a force and period, as JSON or (`Accept: text/csv`) a
table of it as CSV. Analysts and supervisors of the force only; every figure an aggregate."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from reporting_api.forces.uploads import uploads_of
from reporting_api.reports.disproportionality import Coding, disproportionality_report
from reporting_api.reports.funnel import funnel_report
from reporting_api.reports.inputs import inputs_for
from reporting_api.reports.journeys import load_person_history
from reporting_api.reports.measures import REREFERRAL_WINDOW
from reporting_api.reports.needs import needs_report
from reporting_api.reports.officers import officers_report
from reporting_api.reports.query import ReportQueryDep
from reporting_api.reports.respond import TableQuery, report_responses, respond
from reporting_api.reports.summary import summary_report
from reporting_api.reports.tables import Report
from reporting_api.reports.timeliness import timeliness_report
from servicekit.app import SessionDep
from servicekit.problems import Problem

router = APIRouter(prefix="/v1/reports", tags=["reports"])


def _no_breakdown(query: ReportQueryDep, report: str) -> None:
    if query.by is not None:
        raise Problem(
            422,
            "no-breakdown",
            "This report has no breakdown",
            f"The {report} report is for the whole force: ask /v1/reports/funnel with `by`.",
            errors=[{"field": "by", "message": "not taken by this report"}],
        )


@router.get(
    "/summary",
    response_model=Report,
    operation_id="get_summary_report",
    responses=report_responses("overview, volumes, funnel"),
)
async def get_summary_report(
    request: Request, query: ReportQueryDep, session: SessionDep, table: TableQuery = None
) -> Response:
    """Volumes by week, month or year; the funnel; at-least-assessment compliance; re-referral
    within 12 months; officer hours saved."""
    _no_breakdown(query, "summary")
    inputs = await inputs_for(session, query)
    history = await load_person_history(
        session,
        inputs.generation,
        query.force,
        query.since - REREFERRAL_WINDOW - timedelta(days=1),
        query.until,
    )
    return respond(request, summary_report(inputs, history), table)


@router.get(
    "/funnel",
    response_model=Report,
    operation_id="get_funnel_report",
    responses=report_responses("funnel"),
)
async def get_funnel_report(
    request: Request, query: ReportQueryDep, session: SessionDep, table: TableQuery = None
) -> Response:
    """Referred, contacted, assessed, booked, attended, completed, did not engage, withdrawn;
    with `by`, for each group of the breakdown (secondary suppression within each stage)."""
    return respond(request, funnel_report(await inputs_for(session, query)), table)


@router.get(
    "/timeliness",
    response_model=Report,
    operation_id="get_timeliness_report",
    responses=report_responses("timeliness, timeliness_by_period"),
)
async def get_timeliness_report(
    request: Request, query: ReportQueryDep, session: SessionDep, table: TableQuery = None
) -> Response:
    """Days from referral to first contact, to assessment and to completion: cases, median and
    90th percentile; and the median by the week, month or year of referral. With `by`, each
    group's figures (secondary suppression within each measure)."""
    return respond(request, timeliness_report(await inputs_for(session, query)), table)


@router.get(
    "/needs",
    response_model=Report,
    operation_id="get_needs_report",
    responses=report_responses("needs, safeguarding, support, pathways, scores, flags"),
)
async def get_needs_report(
    request: Request, query: ReportQueryDep, session: SessionDep, table: TableQuery = None
) -> Response:
    """Needs found at the assessment by domain and level; safeguarding referrals by category;
    support referrals by need; the pathway mix and overrides; AUDIT, PGSI and SDS bands; the
    dependence, injecting and safeguarding flags. For the whole force: `by` is a 422
    (`no-breakdown`), as most of these tables cut by a group would be mostly suppressed."""
    _no_breakdown(query, "needs")
    return respond(request, needs_report(await inputs_for(session, query)), table)


CodingQuery = Annotated[
    Coding,
    Query(
        description="Which ethnicity: the person's self-defined (census codes) or the "
        "officer-observed (IC codes); either is mapped to the five census groups."
    ),
]


@router.get(
    "/disproportionality",
    response_model=Report,
    operation_id="get_disproportionality_report",
    responses=report_responses("rates, stages, before_after"),
)
async def get_disproportionality_report(
    request: Request,
    query: ReportQueryDep,
    session: SessionDep,
    coding: CodingQuery = Coding.self_defined,
    table: TableQuery = None,
) -> Response:
    """Referrals per 1,000 residents by ethnic group, each funnel stage's share, and formal
    outcomes for possession before and after the scheme; each as a relative rate against the
    White group with a 95% confidence interval. Needs the force's uploaded population (and,
    for before and after, its baseline and recorded possession offences)."""
    _no_breakdown(query, "disproportionality")
    inputs = await inputs_for(session, query)
    uploads = await uploads_of(session, query.force)
    return respond(request, disproportionality_report(inputs, uploads, coding), table)


@router.get(
    "/officers",
    response_model=Report,
    operation_id="get_officers_report",
    responses=report_responses("officers, areas"),
)
async def get_officers_report(
    request: Request, query: ReportQueryDep, session: SessionDep, table: TableQuery = None
) -> Response:
    """How many officers made how many referrals (no officer named), with the median and 90th
    percentile; each area's referrals, referring officers and share of its recorded possession
    offences diverted."""
    _no_breakdown(query, "officers")
    inputs = await inputs_for(session, query)
    uploads = await uploads_of(session, query.force)
    return respond(request, officers_report(inputs, uploads), table)
