"""The schema comes from the migrations, and the models have not drifted from them."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from scheduling_api.availability import models as _availability  # noqa: F401
from scheduling_api.bookings import models as _bookings  # noqa: F401
from scheduling_api.courses import models as _courses  # noqa: F401
from scheduling_api.db import Base
from scheduling_api.reminders import models as _reminders  # noqa: F401
from scheduling_api.sessions import models as _sessions  # noqa: F401
from servicekit.migrate import drift

pytestmark = pytest.mark.db


async def test_the_migrations_create_every_table(scheduling_database: str) -> None:
    engine = create_async_engine(scheduling_database)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert {"course_types", "sessions", "bookings", "waiting_entries", "outbox"} <= tables


async def test_models_match_migrations(scheduling_database: str) -> None:
    assert await drift(scheduling_database, Base.metadata) == []
