"""A force's administrators set its reporting figures and upload its tables as CSV; a wrong file
is refused whole, naming each wrong line and column, and changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from reporting_api.db import kit

pytestmark = pytest.mark.db

CODES = "W1 W2 W3 W9 M1 M2 M3 M9 A1 A2 A3 A4 A9 B1 B2 B9 O2 O9".split()  # noqa: SIM905
# every code 1,000 residents but W1 (100,000): 117,000 in all
POPULATION = "ethnic_group,residents\n" + "".join(
    f"{code},{100000 if code == 'W1' else 1000}\n" for code in CODES
)


def population_with(*changes: tuple[int, str]) -> str:
    """The population file with its line `n` (1 is the header) replaced."""
    lines = POPULATION.splitlines()
    for number, text in changes:
        lines[number - 1] = text
    return "\n".join(lines) + "\n"


async def held_population(client, auth):  # type: ignore[no-untyped-def]
    return await client.get("/v1/forces/demo/population", headers=auth(role="admin"))


async def test_settings_default_then_set(client, auth) -> None:  # type: ignore[no-untyped-def]
    admin = auth(role="admin")
    answer = await client.get("/v1/forces/demo/settings", headers=admin)
    assert answer.status_code == 200
    assert answer.json() | {"updated_at": None} == {
        "force": "demo",
        "minutes_per_arrest": 255,
        "suppression_threshold": 5,
        "updated_at": None,
    }
    answer = await client.put(
        "/v1/forces/demo/settings",
        json={"minutes_per_arrest": 180, "suppression_threshold": 10},
        headers=admin,
    )
    assert answer.status_code == 200, answer.text
    again = (await client.get("/v1/forces/demo/settings", headers=admin)).json()
    assert (again["minutes_per_arrest"], again["suppression_threshold"]) == (180, 10)
    assert again["updated_at"] is not None


@pytest.mark.parametrize("threshold", [0, 101])
async def test_a_threshold_out_of_range_is_refused(client, auth, threshold: int) -> None:  # type: ignore[no-untyped-def]
    answer = await client.put(
        "/v1/forces/demo/settings",
        json={"minutes_per_arrest": 255, "suppression_threshold": threshold},
        headers=auth(role="admin"),
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "suppression_threshold"


async def test_the_population_round_trips_as_json_and_csv(client, auth, upload) -> None:  # type: ignore[no-untyped-def]
    answer = await upload("population", POPULATION, params={"source": "Census 2021 TS021"})
    assert answer.status_code == 200, answer.text
    held = (await held_population(client, auth)).json()
    assert held["source"] == "Census 2021 TS021"
    assert [row["ethnic_group"] for row in held["rows"]] == CODES
    assert sum(row["residents"] for row in held["rows"]) == 117000
    as_csv = await client.get(
        "/v1/forces/demo/population", headers={**auth(role="admin"), "Accept": "text/csv"}
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["ethnic_group", "residents"]
    assert rows[1] == ["W1", "100000"]
    assert len(rows) == 19


async def test_a_new_upload_replaces_the_old_one(client, auth, upload) -> None:  # type: ignore[no-untyped-def]
    await upload("population", POPULATION)
    await upload("population", population_with((2, "W1,200000")))
    held = (await held_population(client, auth)).json()
    assert held["rows"][0] == {"ethnic_group": "W1", "residents": 200000}
    assert sum(row["residents"] for row in held["rows"]) == 217000


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            population_with((1, "ethnic_group,residents,notes")),
            "line 1, column notes",
            "not a column",
        ),
        (population_with((1, "ethnic_group")), "line 1, column residents", "missing"),
        (population_with((3, "XX,1000")), "line 3, column ethnic_group", "census 2021 code"),
        (population_with((3, "NS,1000")), "line 3, column ethnic_group", "census 2021 code"),
        (population_with((4, "W3,-5")), "line 4, column residents", "negative"),
        (population_with((4, "W3,12.5")), "line 4, column residents", "whole number"),
        (population_with((4, "W3,1,000")), "line 4", "give 2"),
        (population_with((5, "W2,1000")), "line 5", "repeats line 3"),
        (population_with((19, "A1,5")), "line 19", "repeats line 10"),
        ("ethnic_group,residents\nW1,5\n", "line 3, column ethnic_group", "no row for W2"),
        ("", "line 1", "empty"),
        (population_with((3, 'W2,"1000')), "line 3", "check its quotes"),
        ("ethnic_group,residents\n", "line 2", "no rows"),
    ],
)
async def test_a_wrong_file_names_its_line_and_column_and_changes_nothing(  # type: ignore[no-untyped-def]
    client, auth, upload, body: str, field: str, words: str
) -> None:
    await upload("population", POPULATION)
    answer = await upload("population", body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["errors"][0]["field"] == field
    assert words in problem["errors"][0]["message"]
    assert "Nothing was changed" in problem["detail"]
    held = (await held_population(client, auth)).json()
    assert sum(row["residents"] for row in held["rows"]) == 117000


async def test_every_wrong_line_is_named_at_once(upload) -> None:  # type: ignore[no-untyped-def]
    answer = await upload("population", population_with((2, "W1,lots"), (6, "M1,-1")))
    fields = [error["field"] for error in answer.json()["errors"]]
    assert fields == ["line 2, column residents", "line 6, column residents"]


async def test_a_file_that_is_not_utf8_is_refused_naming_the_line(upload) -> None:  # type: ignore[no-untyped-def]
    body = population_with((3, "W2,1000")).encode().replace(b"W2,1000", b"W2,1000\xff")
    answer = await upload("population", body)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "line 3"
    assert "UTF-8" in answer.json()["errors"][0]["message"]


async def test_a_spreadsheets_byte_order_mark_and_crlf_are_read(client, auth, upload) -> None:  # type: ignore[no-untyped-def]
    answer = await upload("population", b"\xef\xbb\xbf" + POPULATION.replace("\n", "\r\n").encode())
    assert answer.status_code == 200, answer.text


async def test_a_file_over_the_size_limit_is_413(upload) -> None:  # type: ignore[no-untyped-def]
    answer = await upload("population", POPULATION + "#" * (2 * 1024 * 1024))
    assert answer.status_code == 413


async def test_a_body_without_a_type_is_415_saying_csv(client, auth) -> None:  # type: ignore[no-untyped-def]
    answer = await client.put(
        "/v1/forces/demo/population", content=POPULATION.encode(), headers=auth(role="admin")
    )
    assert answer.status_code == 415
    assert "text/csv" in answer.json()["detail"]


async def test_a_body_that_is_not_csv_is_415(client, auth) -> None:  # type: ignore[no-untyped-def]
    answer = await client.put(
        "/v1/forces/demo/population", json={"W1": 5}, headers=auth(role="admin")
    )
    assert answer.status_code == 415
    assert "text/csv" in answer.json()["detail"]


@pytest.mark.parametrize(("role", "forces"), [("admin", ("other",)), ("analyst", ("demo",))])
async def test_only_the_forces_own_admin_uploads_or_reads(  # type: ignore[no-untyped-def]
    client, auth, upload, role: str, forces: tuple[str, ...]
) -> None:
    headers = {**auth(role=role, forces=forces), "Content-Type": "text/csv"}
    answer = await upload("population", POPULATION, headers=headers)
    assert answer.status_code == 403
    for path in ("population", "baseline", "possession-offences", "settings"):
        read = await client.get(f"/v1/forces/demo/{path}", headers=auth(role=role, forces=forces))
        assert read.status_code == 403, path
    settings = await client.put(
        "/v1/forces/demo/settings",
        json={"suppression_threshold": 1},
        headers=auth(role=role, forces=forces),
    )
    assert settings.status_code == 403


async def test_nothing_uploaded_is_a_404_saying_where_to_put_it(client, auth) -> None:  # type: ignore[no-untyped-def]
    answer = await client.get("/v1/forces/demo/baseline", headers=auth(role="admin"))
    assert answer.status_code == 404
    assert "/v1/forces/demo/baseline" in answer.json()["detail"]


BASELINE = (
    "ethnic_group,possession_offences,charges,cautions\n"
    "White,1000,100,200\nMixed,50,4,6\nAsian,100,10,20\nBlack,200,40,50\nOther,50,5,10\n"
)


async def test_the_baseline_keeps_its_period(client, auth, upload) -> None:  # type: ignore[no-untyped-def]
    answer = await upload("baseline", BASELINE, params={"from": "2024-03-01", "to": "2025-02-28"})
    assert answer.status_code == 200, answer.text
    held = (await client.get("/v1/forces/demo/baseline", headers=auth(role="admin"))).json()
    assert (held["period_start"], held["period_end"]) == ("2024-03-01", "2025-02-28")
    assert held["rows"][0] == {
        "ethnic_group": "Asian",
        "possession_offences": 100,
        "charges": 10,
        "cautions": 20,
    }


@pytest.mark.parametrize(
    ("body", "params", "field"),
    [
        # groups and codes mixed would count people twice
        (
            BASELINE + "B1,10,1,1\n",
            {"from": "2024-03-01", "to": "2025-02-28"},
            "line 7, column ethnic_group",
        ),
        # 40 charges + 170 cautions = 210 of 200 offences
        (
            BASELINE.replace("Black,200,40,50", "Black,200,40,170"),
            {"from": "2024-03-01", "to": "2025-02-28"},
            "line 5, column charges",
        ),
        (BASELINE, {"from": "2025-03-01", "to": "2025-02-28"}, "from"),
    ],
)
async def test_a_wrong_baseline_is_refused(
    upload, body: str, params: dict[str, str], field: str
) -> None:  # type: ignore[no-untyped-def]
    answer = await upload("baseline", body, params=params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field


async def test_the_baseline_needs_its_period(upload) -> None:  # type: ignore[no-untyped-def]
    answer = await upload("baseline", BASELINE)
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"from", "to"}


async def test_possession_offences_with_an_unrecorded_group(client, auth, upload) -> None:  # type: ignore[no-untyped-def]
    body = "month,area,ethnic_group,offences\n2026-03,north,White,60\n2026-03,north,,3\n"
    answer = await upload("possession-offences", body)
    assert answer.status_code == 200, answer.text
    held = (
        await client.get("/v1/forces/demo/possession-offences", headers=auth(role="admin"))
    ).json()
    assert held["rows"] == [
        {"month": "2026-03", "area": "north", "ethnic_group": "", "offences": 3},
        {"month": "2026-03", "area": "north", "ethnic_group": "White", "offences": 60},
    ]


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("2026-13,north,White,1", "line 3, column month"),
        ("March 2026,north,White,1", "line 3, column month"),
        ("2026-03,,White,1", "line 3, column area"),
        ("2026-03,north,Purple,1", "line 3, column ethnic_group"),
        ("2026-03,north,White,1", "line 3"),  # the same month, area and group as line 2
    ],
)
async def test_wrong_possession_offences(upload, row: str, field: str) -> None:  # type: ignore[no-untyped-def]
    body = f"month,area,ethnic_group,offences\n2026-03,north,White,60\n{row}\n"
    answer = await upload("possession-offences", body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field


async def test_the_openapi_shows_a_csv_example(client) -> None:  # type: ignore[no-untyped-def]
    spec = (await client.get("/openapi.json")).json()
    body = spec["paths"]["/v1/forces/{force}/population"]["put"]["requestBody"]
    example = body["content"]["text/csv"]["example"]
    assert example.startswith("ethnic_group,residents\r\nW1,700000")


async def test_who_changed_the_settings_and_tables_is_logged(client, auth, upload, db) -> None:  # type: ignore[no-untyped-def]
    await client.put(
        "/v1/forces/demo/settings",
        json={"minutes_per_arrest": 255, "suppression_threshold": 1},
        headers=auth(role="admin", sub="admin-7"),
    )
    await upload("population", POPULATION)
    await upload("population", "")  # refused: nothing changed, nothing logged
    async with db.session() as session:
        rows = (await session.execute(select(kit.audit_log).order_by(kit.audit_log.c.at))).all()
    assert [(r.actor, r.resource_type, r.force_id, r.purpose) for r in rows] == [
        ("admin-7", "force_settings", "demo", "minutes per arrest 255, suppression threshold 1"),
        (rows[1].actor, "population", "demo", "18 rows uploaded"),
    ]


async def test_every_upload_example_in_the_openapi_is_accepted(client, upload) -> None:  # type: ignore[no-untyped-def]
    spec = (await client.get("/openapi.json")).json()
    tried = []
    for path, item in spec["paths"].items():
        body = item.get("put", {}).get("requestBody", {}).get("content", {}).get("text/csv")
        if body is None:
            continue
        name = path.rsplit("/", 1)[1]
        params = {"from": "2024-03-01", "to": "2025-02-28"} if name == "baseline" else None
        answer = await upload(name, body["example"], params=params)
        assert answer.status_code == 200, (path, answer.text)
        tried.append(name)
    assert sorted(tried) == ["baseline", "population", "possession-offences"]
