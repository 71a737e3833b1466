"""The demonstration force's uploads: the population the synthetic year is tuned to, a baseline
the year before the scheme, and recorded possession offences for the last 12 whole months."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reporting_api.forces.uploads import UploadKind, read_upload
from reporting_api.seed import seed_uploads

pytestmark = pytest.mark.db

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


async def test_the_demo_uploads(db) -> None:  # type: ignore[no-untyped-def]
    await seed_uploads(db, NOW)
    async with db.session() as session:
        population = await read_upload(session, "demo", UploadKind.population)
        baseline = await read_upload(session, "demo", UploadKind.baseline)
        offences = await read_upload(session, "demo", UploadKind.possession_offences)
    assert population and baseline and offences
    residents = {row["ethnic_group"]: row["residents"] for row in population[1]}
    assert sum(residents.values()) == 1_000_000
    assert (residents["W1"], residents["B2"], residents["O9"]) == (700000, 22000, 20000)
    # the 12 whole months before December 2026; the baseline the year before them
    months = sorted({row["month"] for row in offences[1]})
    assert (months[0], months[-1], len(months)) == ("2025-12", "2026-11", 12)
    assert {row["area"] for row in offences[1]} == {
        "north",
        "south",
        "east",
        "west",
        "central",
        "city",
        "riverside",
        "valley",
    }
    # about 1.3 x 5,000 referrals a year
    assert 6000 <= sum(row["offences"] for row in offences[1]) <= 7000
    assert (str(baseline[0].period_start), str(baseline[0].period_end)) == (
        "2024-12-01",
        "2025-11-30",
    )
    formal = {
        row["ethnic_group"]: (row["charges"] + row["cautions"]) / row["possession_offences"]
        for row in baseline[1]
    }
    assert formal["Black"] > formal["White"]


async def test_seeding_again_keeps_an_administrators_upload(db) -> None:  # type: ignore[no-untyped-def]
    await seed_uploads(db, NOW)
    async with db.session() as session:
        first = await read_upload(session, "demo", UploadKind.population)
    await seed_uploads(db, datetime(2027, 3, 1, tzinfo=UTC))
    async with db.session() as session:
        again = await read_upload(session, "demo", UploadKind.population)
        offences = await read_upload(session, "demo", UploadKind.possession_offences)
    assert first and again and offences
    assert again[0].uploaded_at == first[0].uploaded_at
    assert max(row["month"] for row in offences[1]) == "2026-11"
