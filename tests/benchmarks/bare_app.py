"""The baseline for the referral benchmark: the least a referral endpoint can do.

FastAPI taking the same JSON body as POST /v1/referrals, unvalidated (`await request.json()`),
and inserting one row into the same `referrals` table with the same columns filled from the body
as plain values, passed as parameters to one cached statement: no token, no eligibility, no
encryption, no outbox, no idempotency row. The engine comes from servicekit's `make_engine`, so
the driver, the pool and the SQLite pragmas are the service's own.

    BARE_DATABASE_URL=sqlite+aiosqlite:///bench.db \
        uvicorn --factory --app-dir tests/benchmarks bare_app:app
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, MetaData, String, Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db import make_engine

# The service's table with plain column types: what it stores, without the encrypting types.
referrals = Table(
    "referrals",
    MetaData(),
    Column("id", String(36), primary_key=True),
    Column("reference", String(32)),
    Column("force_id", String(64)),
    Column("officer_subject", String(200)),
    Column("officer_key", String(64)),
    Column("submitted_by_role", String(20)),
    Column("status", String(20)),
    Column("submitted_at", DateTime(timezone=True)),
    Column("person_key", String(64)),
    Column("given_name", String),
    Column("family_name", String),
    Column("date_of_birth", String),
    Column("age_years", Integer),
    Column("gender", String),
    Column("self_defined_ethnicity", String),
    Column("observed_ethnicity", String),
    Column("phone", String),
    Column("email", String),
    Column("postcode", String),
    Column("preferred_language", String(35)),
    Column("interpreter_needed", Boolean),
    Column("easy_read", Boolean),
    Column("encounter_at", DateTime(timezone=True)),
    Column("area", String(64)),
    Column("place", String),
    Column("origin", String(30)),
    Column("crime_reference", String),
    Column("substances", JSON),
    Column("main_substance", String(30)),
    Column("rule_set_version", String(64)),
    Column("eligibility_answers", JSON),
    Column("agreement_recorded_at", DateTime(timezone=True)),
    Column("is_rereferral", Boolean),
    Column("suggested_outcome_code", Integer),
    Column("first_contact_due", DateTime(timezone=True)),
    Column("engagement_deadline", DateTime(timezone=True)),
)

# the values go as parameters to one statement, compiled once: the cheapest way to insert a row
_INSERT = insert(referrals)


def _row(body: dict[str, Any], referral_id: str, now: datetime) -> dict[str, Any]:
    person = body["person"]
    encounter = body["encounter"]
    substances = body["substances"]
    return {
        "id": referral_id,
        "reference": f"BARE-{referral_id[:8]}-{referral_id[-8:]}",
        "force_id": "demo",
        "officer_subject": "demo-officer-1",
        "officer_key": "bare",
        "submitted_by_role": "officer",
        "status": "submitted",
        "submitted_at": now,
        "person_key": f"{person['given_name']}|{person['family_name']}|{person['date_of_birth']}",
        "given_name": person["given_name"],
        "family_name": person["family_name"],
        "date_of_birth": person["date_of_birth"],
        "age_years": 0,
        "gender": person["gender"],
        "self_defined_ethnicity": person["self_defined_ethnicity"],
        "observed_ethnicity": person["observed_ethnicity"],
        "phone": person.get("phone"),
        "email": person.get("email"),
        "postcode": person.get("postcode"),
        "preferred_language": person.get("preferred_language", "en"),
        "interpreter_needed": person.get("interpreter_needed", False),
        "easy_read": person.get("easy_read", False),
        "encounter_at": datetime.fromisoformat(encounter["occurred_at"]),
        "area": encounter["area"],
        "place": encounter.get("place"),
        "origin": encounter["origin"],
        "crime_reference": encounter.get("crime_reference"),
        "substances": substances,
        "main_substance": body.get("main_substance") or substances[0]["substance"],
        "rule_set_version": "bare",
        "eligibility_answers": body["answers"],
        "agreement_recorded_at": datetime.fromisoformat(body["agreement"]["recorded_at"]),
        "is_rereferral": False,
        "suggested_outcome_code": 8,
        "first_contact_due": now + timedelta(hours=72),
        "engagement_deadline": now + timedelta(days=28),
    }


def create_app(database_url: str) -> FastAPI:
    engine: AsyncEngine = make_engine(database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(title="bare referrals baseline", lifespan=lifespan)

    @app.post("/bare/referrals", status_code=201)
    async def create_referral(request: Request) -> JSONResponse:
        body = await request.json()
        referral_id = str(uuid.uuid4())
        async with engine.begin() as conn:
            await conn.execute(_INSERT, _row(body, referral_id, datetime.now(UTC)))
        return JSONResponse({"id": referral_id}, status_code=201)

    return app


def app() -> FastAPI:
    """Factory for uvicorn: the database from BARE_DATABASE_URL."""
    return create_app(os.environ["BARE_DATABASE_URL"])
