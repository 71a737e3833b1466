"""The schema comes from the migrations, and the models have not drifted from them."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from assessment_api.assessments import models as _assessments  # noqa: F401
from assessment_api.cases import models as _cases  # noqa: F401
from assessment_api.db import Base
from assessment_api.directory import models as _directory  # noqa: F401
from assessment_api.providers import models as _providers  # noqa: F401
from assessment_api.safeguarding import models as _safeguarding  # noqa: F401
from assessment_api.support import models as _support  # noqa: F401
from servicekit.migrate import drift

pytestmark = pytest.mark.db


async def test_the_migrations_create_every_table(assessment_database: str) -> None:
    engine = create_async_engine(assessment_database)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert {"cases", "contact_attempts", "assessments", "safeguarding_referrals"} <= tables


async def test_models_match_migrations(assessment_database: str) -> None:
    assert await drift(assessment_database, Base.metadata) == []
