"""The schema comes from the migrations, and the models have not drifted from them."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import create_async_engine

from reporting_api import main as _every_router  # noqa: F401 - imports every model
from reporting_api.db import Base
from reporting_api.forces import models as _forces  # noqa: F401
from reporting_api.projections import models as _projections
from servicekit.migrate import drift

pytestmark = pytest.mark.db


async def test_the_migrations_create_every_table(reporting_database: str) -> None:
    engine = create_async_engine(reporting_database)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
            generations = (
                await conn.execute(
                    select(_projections.Generation.generation, _projections.Generation.state)
                )
            ).all()
    finally:
        await engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert {
        "projection_generations",
        "referral_facts",
        "milestone_facts",
        "assessment_facts",
        "safeguarding_facts",
        "support_facts",
        "imported_events",
        "force_settings",
        "inbox",
        "outbox",
    } <= tables
    # reports read the active generation: the migration makes the first one
    assert [(g, str(state)) for g, state in generations] == [(1, "active")]


async def test_models_match_migrations(reporting_database: str) -> None:
    assert await drift(reporting_database, Base.metadata) == []
