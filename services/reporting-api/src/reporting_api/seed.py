"""Seed the demonstration force `demo`: its reporting settings, its population, baseline and
recorded possession offences (`forces/demo/*.csv`), and a year of its history (made by
`synthetic.generator`, ending today) imported as the scheme's own events, so the reports and the
dashboard have something to show from the first `make run`.

    python -m reporting_api.seed        (uses REPORTING_DATABASE_URL)

Safe to run again: what is there already (a history imported, an upload) is left as it is.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files

from sqlalchemy import select

from reporting_api.config import Settings
from reporting_api.forces.models import (
    DEFAULT_MINUTES_PER_ARREST,
    DEFAULT_SUPPRESSION_THRESHOLD,
    ForceSettings,
)
from reporting_api.forces.uploads import UploadKind, read_csv, read_upload, replace_upload
from reporting_api.projections.models import ImportedEvent
from reporting_api.reports.dimensions import london_day
from reporting_api.synthetic.generator import first_event_id, force_years
from reporting_api.synthetic.history import import_history
from servicekit.db import Database, utcnow

DEMO_FORCE = "demo"
DEMO_SEED = 2026  # the demonstration year is the same history wherever it is seeded
DEMO_REFERRALS_PER_YEAR = 5000


async def seed(db: Database) -> None:
    await seed_settings(db)
    await seed_uploads(db)
    started = time.perf_counter()
    events = await seed_history(db)
    if events:
        print(
            f"reporting-api: imported a demonstration year for {DEMO_FORCE} "
            f"({events} events) in {time.perf_counter() - started:.1f} s",
            flush=True,
        )


async def seed_history(db: Database, now: datetime | None = None) -> int:
    """Import the demonstration year, ending `now`, unless it is there already; the number of
    events imported."""
    now = now or datetime.now(UTC)
    async with db.session() as session:
        imported = await session.scalar(
            select(ImportedEvent.sequence).where(
                ImportedEvent.event_id == first_event_id(DEMO_FORCE, DEMO_SEED)
            )
        )
    if imported is not None:
        return 0
    journeys = force_years(
        DEMO_FORCE,
        start=(now - timedelta(days=365)).date(),
        referrals_per_year=DEMO_REFERRALS_PER_YEAR,
        seed=DEMO_SEED,
        now=now,
    )
    return await import_history(db, journeys)


async def seed_settings(db: Database) -> None:
    """The demonstration force's reporting settings: the defaults, written down."""
    async with db.session() as session:
        if await session.scalar(select(ForceSettings).where(ForceSettings.force_id == DEMO_FORCE)):
            return
        session.add(
            ForceSettings(
                force_id=DEMO_FORCE,
                minutes_per_arrest=DEFAULT_MINUTES_PER_ARREST,
                suppression_threshold=DEFAULT_SUPPRESSION_THRESHOLD,
                updated_at=utcnow(),
            )
        )
        await session.commit()


def demo_file(name: str) -> bytes:
    return files("reporting_api.forces").joinpath("demo", name).read_bytes()


def _add_months(month: str, count: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:]) - 1 + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:]), 1)


async def seed_uploads(db: Database, now: datetime | None = None) -> None:
    """The demonstration force's uploads, each only where the force has none (an
    administrator's own upload is never replaced). The recorded possession offences are the
    12 whole months before today (the file's months moved on to end last month); the baseline
    is the year before them, before the scheme."""
    now = now or utcnow()
    offences = read_csv(UploadKind.possession_offences, demo_file("possession-offences.csv"))
    last_in_file = max(row["month"] for row in offences)
    this_month = london_day(now).strftime("%Y-%m")
    shift = (
        (int(this_month[:4]) * 12 + int(this_month[5:]))
        - (int(last_in_file[:4]) * 12 + int(last_in_file[5:]))
        - 1
    )
    for row in offences:
        row["month"] = _add_months(row["month"], shift)
    first = _month_start(min(row["month"] for row in offences))
    baseline_period = (first.replace(year=first.year - 1), first - timedelta(days=1))
    uploads = (
        (UploadKind.population, "population.csv", "Census 2021 TS021 (demonstration)", None),
        (UploadKind.baseline, "baseline.csv", "Demonstration baseline", baseline_period),
        (UploadKind.possession_offences, None, "Demonstration recorded crime", None),
    )
    async with db.session() as session:
        for kind, name, source, period in uploads:
            if await read_upload(session, DEMO_FORCE, kind) is not None:
                continue
            rows = offences if name is None else read_csv(kind, demo_file(name))
            await replace_upload(
                session, DEMO_FORCE, kind, rows, now=now, source=source, period=period
            )
        await session.commit()


async def main() -> None:
    settings = Settings()
    db = Database(settings.database_url, cipher=settings.field_cipher())
    try:
        await seed(db)
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
