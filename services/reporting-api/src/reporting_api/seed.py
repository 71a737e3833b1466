"""Seed the demonstration force `demo`: its reporting settings.

    python -m reporting_api.seed        (uses REPORTING_DATABASE_URL)

Safe to run again.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from reporting_api.config import Settings
from reporting_api.forces.models import (
    DEFAULT_MINUTES_PER_ARREST,
    DEFAULT_SUPPRESSION_THRESHOLD,
    ForceSettings,
)
from servicekit.db import Database, utcnow

DEMO_FORCE = "demo"


async def seed(db: Database) -> None:
    await seed_settings(db)


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


async def main() -> None:
    settings = Settings()
    db = Database(settings.database_url, cipher=settings.field_cipher())
    try:
        await seed(db)
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
