"""Seed the demonstration: which provider serves which force, and the demo force's directory.

    python -m assessment_api.seed        (uses ASSESSMENT_DATABASE_URL)

Safe to run again: each force is set to its provider (`cases.service.serve_force`; one provider
per force, so changing a force's provider here moves the force), and the directory import updates
services in place.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.cases.service import serve_force
from assessment_api.directory.importer import import_directory
from servicekit.db import Database

# demo-provider serves the demonstration force and Northshire; another provider serves
# Westshire, so isolation between providers can be seen. A force appears once: one provider
# serves a force at a time.
PROVIDER_FORCES: dict[str, list[str]] = {
    "demo-provider": ["demo", "northshire"],
    "other-provider": ["westshire"],
}
DEMO_DIRECTORY_FORCE = "demo"


def demo_directory() -> Any:
    text = (
        resources.files("assessment_api.directory")
        .joinpath("data/demo-directory.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


async def seed_providers(session: AsyncSession, now: datetime) -> None:
    for provider_id, forces in PROVIDER_FORCES.items():
        for force_id in forces:
            await serve_force(session=session, provider_id=provider_id, force_id=force_id, now=now)
    await session.flush()


async def seed(database_url: str) -> None:
    db = Database(database_url)
    now = datetime.now(UTC)
    try:
        async with db.session() as session:
            await seed_providers(session, now)
            await import_directory(
                session=session, force_id=DEMO_DIRECTORY_FORCE, document=demo_directory(), now=now
            )
            await session.commit()
    finally:
        await db.dispose()


def main() -> None:
    import os

    asyncio.run(seed(os.environ["ASSESSMENT_DATABASE_URL"]))


if __name__ == "__main__":
    main()
