"""Answering with a report: JSON, or one of its tables as CSV (`Accept: text/csv`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response

from reporting_api.reports.tables import Report, to_csv
from servicekit.problems import Problem, problem_responses

CSV = "text/csv"

TableQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        pattern=r"^[a-z_]+$",
        description="With `Accept: text/csv`: which table (default: the report's first).",
    ),
]


def report_responses(example_tables: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI answers of a report route: the report as JSON or a table as CSV."""
    return {
        200: {
            "description": f"The report (tables: {example_tables}); with `Accept: text/csv`, one "
            "table as CSV.",
            "content": {CSV: {"schema": {"type": "string"}}},
        },
        **problem_responses(
            (403, "The caller is not an analyst or supervisor of that force."),
            (404, "No such table in this report."),
            (422, "The force, period or breakdown cannot be reported on."),
        ),
    }


def wants_csv(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip().lower() == CSV for part in accept.split(","))


def respond(request: Request, report: Report, table_id: str | None) -> Response:
    """The report as JSON, or (`Accept: text/csv`) its table `table_id` as a CSV download."""
    if not wants_csv(request):
        return JSONResponse(report.model_dump(mode="json"))
    if table_id is None:
        table = report.tables[0]
    else:
        try:
            table = report.table(table_id)
        except KeyError:
            names = ", ".join(t.id for t in report.tables)
            raise Problem(
                404,
                "no-such-table",
                "No such table",
                f"The {report.report} report has no table {table_id!r}; it has: {names}.",
            ) from None
    filename = (
        f"{report.report}-{table.id}-{report.force}-{report.period.start}-{report.period.end}.csv"
    )
    return Response(
        to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
