"""/v1/forces/{force}/...: a force's reporting settings and the tables it uploads (population,
baseline, recorded possession offences). Administrators of that force only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from reporting_api.db import kit
from reporting_api.dependencies import AdminDep, NowDep
from reporting_api.forces.models import (
    DEFAULT_MINUTES_PER_ARREST,
    DEFAULT_SUPPRESSION_THRESHOLD,
    ForceSettings,
    rules_of,
)
from reporting_api.forces.uploads import (
    COLUMNS,
    LABELS,
    UploadKind,
    read_csv,
    read_upload,
    replace_upload,
    to_csv,
)
from reporting_api.reports.respond import CSV, wants_csv
from servicekit.access_log import record_access
from servicekit.app import SessionDep
from servicekit.auth import Principal
from servicekit.problems import Problem, problem_responses

router = APIRouter(prefix="/v1/forces", tags=["forces"])

ForcePath = Annotated[
    str, Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$", description="The force.")
]


def _own_force(admin: Principal, force: str) -> None:
    if not admin.can_see_force(force):
        raise Problem(
            403,
            "not-your-force",
            "Not your force",
            f"Your token does not cover the force {force!r}: only its own administrators "
            "change its reporting settings and tables.",
        )


async def _record_change(
    session: AsyncSession, admin: Principal, force: str, what: str, purpose: str
) -> None:
    """Who changed what a force's reports are made with: a lower suppression threshold or a
    new population changes every published figure."""
    await record_access(
        session,
        kit,
        admin,
        action="update",
        resource_type=what,
        resource_id=force,
        force_id=force,
        purpose=purpose,
    )


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # true is not 1 minute

    minutes_per_arrest: int = Field(
        default=DEFAULT_MINUTES_PER_ARREST,
        ge=1,
        le=24 * 60,
        description="Officer time an arrest takes, in minutes, which each referral saves.",
        examples=[255],
    )
    suppression_threshold: int = Field(
        default=DEFAULT_SUPPRESSION_THRESHOLD,
        ge=1,
        le=100,
        description="Counts from 1 to one below this are shown as `<N` in every report "
        "(1: nothing suppressed).",
        examples=[5],
    )


class SettingsOut(SettingsIn):
    model_config = ConfigDict(extra="forbid")

    force: str
    updated_at: datetime | None = Field(description="None: the defaults, never set.")


NO_SUCH_PATH = (404, "No such path (the force's name is one path segment).")
SETTINGS_RESPONSES = problem_responses(
    (403, "The caller is not an administrator of that force."), NO_SUCH_PATH
)


@router.get(
    "/{force}/settings",
    response_model=SettingsOut,
    operation_id="get_force_settings",
    responses=SETTINGS_RESPONSES,
)
async def get_force_settings(force: ForcePath, admin: AdminDep, session: SessionDep) -> Any:
    """The force's reporting settings (the defaults until they are set)."""
    _own_force(admin, force)
    row = await session.get(ForceSettings, force)
    rules = await rules_of(session, force)
    return SettingsOut(
        force=force,
        minutes_per_arrest=rules.minutes_per_arrest,
        suppression_threshold=rules.suppression_threshold,
        updated_at=row.updated_at if row else None,
    )


@router.put(
    "/{force}/settings",
    response_model=SettingsOut,
    operation_id="put_force_settings",
    responses=problem_responses(
        (403, "The caller is not an administrator of that force."),
        NO_SUCH_PATH,
        (422, "A figure is out of range."),
    ),
)
async def put_force_settings(
    force: ForcePath,
    body: Annotated[
        SettingsIn,
        Body(
            openapi_examples={
                "defaults": {
                    "summary": "The scheme's figures: 4 h 15 min an arrest, counts under 5 hidden",
                    "value": {"minutes_per_arrest": 255, "suppression_threshold": 5},
                },
                "cautious": {
                    "summary": "A force that hides counts under 10",
                    "value": {"minutes_per_arrest": 240, "suppression_threshold": 10},
                },
            }
        ),
    ],
    admin: AdminDep,
    session: SessionDep,
    now: NowDep,
) -> Any:
    """Set the force's officer minutes per arrest avoided and its suppression threshold."""
    _own_force(admin, force)
    row = await session.get(ForceSettings, force)
    if row is None:
        row = ForceSettings(force_id=force)
        session.add(row)
    row.minutes_per_arrest = body.minutes_per_arrest
    row.suppression_threshold = body.suppression_threshold
    row.updated_at = now
    await _record_change(
        session,
        admin,
        force,
        "force_settings",
        f"minutes per arrest {body.minutes_per_arrest}, "
        f"suppression threshold {body.suppression_threshold}",
    )
    await session.commit()
    return SettingsOut(
        force=force,
        minutes_per_arrest=body.minutes_per_arrest,
        suppression_threshold=body.suppression_threshold,
        updated_at=now,
    )


class UploadOut(BaseModel):
    force: str
    table: UploadKind
    source: str | None = Field(description="Where the figures came from.")
    period_start: date | None = Field(description="baseline: the period's first day.")
    period_end: date | None = Field(description="baseline: the period's last day, included.")
    uploaded_at: datetime
    rows: list[dict[str, int | str]] = Field(description="The table's rows, as uploaded.")


EXAMPLES = {
    UploadKind.population: (
        "ethnic_group,residents\r\nW1,700000\r\nW2,10000\r\nW3,3000\r\nW9,67000\r\n"
        "M1,9000\r\nM2,5000\r\nM3,8000\r\nM9,8000\r\nA1,40000\r\nA2,35000\r\nA3,10000\r\n"
        "A4,8000\r\nA9,17000\r\nB1,20000\r\nB2,22000\r\nB9,8000\r\nO2,10000\r\nO9,20000\r\n"
    ),
    UploadKind.baseline: (
        "ethnic_group,possession_offences,charges,cautions\r\nWhite,3100,620,1240\r\n"
        "Mixed,160,40,62\r\nAsian,420,92,160\r\nBlack,380,118,140\r\nOther,140,30,52\r\n"
    ),
    UploadKind.possession_offences: (
        "month,area,ethnic_group,offences\r\n2026-03,north,White,61\r\n2026-03,north,Black,9\r\n"
        "2026-03,north,,4\r\n2026-03,south,White,48\r\n"
    ),
}
DESCRIPTIONS = {
    UploadKind.population: "The force's residents by ethnic group: `ethnic_group,residents`, "
    "one row for each of the 18 census 2021 codes W1..O9 (the census's 'Ethnic group (20 "
    "categories)', TS021, less 'does not apply'; Roma counted in W9). Replaces the force's "
    "population.",
    UploadKind.baseline: "Formal outcomes for possession before the scheme: "
    "`ethnic_group,possession_offences,charges,cautions`, by the five census groups (White, "
    "Mixed, Asian, Black, Other) or the 18 codes. Replaces the force's baseline.",
    UploadKind.possession_offences: "Recorded possession offences: "
    "`month,area,ethnic_group,offences` (month YYYY-MM; ethnic group a census group or code, "
    "blank when not recorded). Replaces the force's table.",
}
PATHS = {
    UploadKind.population: "population",
    UploadKind.baseline: "baseline",
    UploadKind.possession_offences: "possession-offences",
}


def _csv_body(kind: UploadKind) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": DESCRIPTIONS[kind],
            "content": {CSV: {"schema": {"type": "string"}, "example": EXAMPLES[kind]}},
        }
    }


def _answer(request: Request, force: str, kind: UploadKind, found: Any) -> Response:
    upload, rows = found
    if wants_csv(request):
        return Response(
            to_csv(kind, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{PATHS[kind]}-{force}.csv"'},
        )
    out = UploadOut(
        force=force,
        table=kind,
        source=upload.source,
        period_start=upload.period_start,
        period_end=upload.period_end,
        uploaded_at=upload.uploaded_at,
        rows=rows,
    )
    return JSONResponse(out.model_dump(mode="json"))


async def _read_body(request: Request, kind: UploadKind) -> bytes:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != CSV:
        raise Problem(
            415,
            "unsupported-media-type",
            "Send the table as CSV",
            f"Send the {LABELS[kind]} table as CSV with Content-Type: text/csv, columns "
            f"{','.join(COLUMNS[kind])}.",
        )
    return await request.body()


async def _get(
    request: Request, force: str, admin: Principal, session: AsyncSession, kind: UploadKind
) -> Response:
    _own_force(admin, force)
    found = await read_upload(session, force, kind)
    if found is None:
        raise Problem(
            404,
            "not-uploaded",
            f"No {LABELS[kind]} uploaded",
            f"The force {force!r} has not uploaded its {LABELS[kind]} table: PUT it to "
            f"/v1/forces/{force}/{PATHS[kind]} as CSV.",
        )
    return _answer(request, force, kind, found)


def _get_responses(kind: UploadKind) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": f"The {LABELS[kind]} table: JSON, or CSV with `Accept: text/csv`.",
            "content": {CSV: {"schema": {"type": "string"}, "example": EXAMPLES[kind]}},
        },
        **problem_responses(
            (403, "The caller is not an administrator of that force."),
            (404, f"The force has not uploaded its {LABELS[kind]}."),
        ),
    }


def _put_responses(kind: UploadKind) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": f"The {LABELS[kind]} table as now held: JSON, or CSV with "
            "`Accept: text/csv`.",
            "content": {CSV: {"schema": {"type": "string"}, "example": EXAMPLES[kind]}},
        },
        **problem_responses(
            (403, "The caller is not an administrator of that force."),
            NO_SUCH_PATH,
            (413, "The file is larger than the service takes (2 MiB by default)."),
            (415, "The body is not `text/csv`."),
            (
                422,
                "The file needs correcting: `errors` names each wrong line and column. "
                "Nothing was changed.",
            ),
        ),
    }


async def _replace(
    request: Request,
    force: str,
    admin: Principal,
    session: AsyncSession,
    kind: UploadKind,
    now: datetime,
    source: str | None,
    period: tuple[date, date] | None = None,
) -> Response:
    """Replace the force's table of `kind` with the CSV body, record who did it, answer it."""
    _own_force(admin, force)
    rows = read_csv(kind, await _read_body(request, kind))
    upload = await replace_upload(session, force, kind, rows, now=now, source=source, period=period)
    await _record_change(session, admin, force, kind.value, f"{len(rows)} rows uploaded")
    await session.commit()
    return _answer(request, force, kind, (upload, rows))


SourceQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Where the figures came from, e.g. `Census 2021 TS021`.",
        examples=["Census 2021 TS021"],
    ),
]


@router.get(
    "/{force}/population",
    response_model=UploadOut,
    operation_id="get_force_population",
    responses=_get_responses(UploadKind.population),
)
async def get_force_population(
    request: Request, force: ForcePath, admin: AdminDep, session: SessionDep
) -> Response:
    """The force's residents by census code, as uploaded."""
    return await _get(request, force, admin, session, UploadKind.population)


@router.put(
    "/{force}/population",
    response_model=UploadOut,
    operation_id="put_force_population",
    responses=_put_responses(UploadKind.population),
    openapi_extra=_csv_body(UploadKind.population),
)
async def put_force_population(
    request: Request,
    force: ForcePath,
    admin: AdminDep,
    session: SessionDep,
    now: NowDep,
    source: SourceQuery = None,
) -> Response:
    """Replace the force's residents by ethnic group (all 18 census codes), in one transaction."""
    return await _replace(request, force, admin, session, UploadKind.population, now, source)


@router.get(
    "/{force}/baseline",
    response_model=UploadOut,
    operation_id="get_force_baseline",
    responses=_get_responses(UploadKind.baseline),
)
async def get_force_baseline(
    request: Request, force: ForcePath, admin: AdminDep, session: SessionDep
) -> Response:
    """The force's formal outcomes for possession before the scheme, as uploaded."""
    return await _get(request, force, admin, session, UploadKind.baseline)


@router.put(
    "/{force}/baseline",
    response_model=UploadOut,
    operation_id="put_force_baseline",
    responses=_put_responses(UploadKind.baseline),
    openapi_extra=_csv_body(UploadKind.baseline),
)
async def put_force_baseline(
    request: Request,
    force: ForcePath,
    admin: AdminDep,
    session: SessionDep,
    now: NowDep,
    start: Annotated[date, Query(alias="from", description="The baseline period's first day.")],
    end: Annotated[date, Query(alias="to", description="The baseline period's last day.")],
    source: SourceQuery = None,
) -> Response:
    """Replace the force's baseline (possession offences, charges and cautions by ethnic group
    in the period `from`..`to` before the scheme), in one transaction."""
    _own_force(admin, force)
    if start > end:
        detail = "`from` is after `to`: give the baseline period's first day, then its last."
        raise Problem(
            422,
            "invalid-period",
            "The baseline period needs correcting",
            detail,
            errors=[{"field": "from", "message": detail}],
        )
    return await _replace(
        request, force, admin, session, UploadKind.baseline, now, source, period=(start, end)
    )


@router.get(
    "/{force}/possession-offences",
    response_model=UploadOut,
    operation_id="get_force_possession_offences",
    responses=_get_responses(UploadKind.possession_offences),
)
async def get_force_possession_offences(
    request: Request, force: ForcePath, admin: AdminDep, session: SessionDep
) -> Response:
    """The force's recorded possession offences by month, area and ethnic group, as uploaded."""
    return await _get(request, force, admin, session, UploadKind.possession_offences)


@router.put(
    "/{force}/possession-offences",
    response_model=UploadOut,
    operation_id="put_force_possession_offences",
    responses=_put_responses(UploadKind.possession_offences),
    openapi_extra=_csv_body(UploadKind.possession_offences),
)
async def put_force_possession_offences(
    request: Request,
    force: ForcePath,
    admin: AdminDep,
    session: SessionDep,
    now: NowDep,
    source: SourceQuery = None,
) -> Response:
    """Replace the force's recorded possession offences, in one transaction."""
    return await _replace(
        request, force, admin, session, UploadKind.possession_offences, now, source
    )
