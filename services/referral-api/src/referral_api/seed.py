"""Seed the demonstration force `demo` and a second force, with their rule sets, and each
force's development integration client (the development identity provider's
`make -s token ROLE=integration FORCE=demo`: client id `demo-integration-1`).

    python -m referral_api.seed        (uses REFERRAL_DATABASE_URL)

Safe to run again: existing forces and rule set versions are left as they are.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.clients.models import ClientStatus, IntegrationClient
from referral_api.clients.schemas import GRANTABLE
from referral_api.eligibility.models import EligibilityRuleSet
from referral_api.eligibility.rules import RuleSet, default_rule_set
from referral_api.forces.models import Force
from servicekit.db import Database
from servicekit.devidp import ISSUER as DEV_ISSUER

DEMO_AREAS = [
    {"code": "central", "name": "City Centre"},
    {"code": "north", "name": "North"},
    {"code": "south", "name": "South"},
    {"code": "east", "name": "East"},
    {"code": "west", "name": "West"},
]

FORCES: list[dict[str, Any]] = [
    {
        "id": "demo",
        "name": "Demonstration Police",
        "reference_prefix": "DEMO",
        "bar_months": 12,
        "first_contact_hours": 72,
        "engagement_window_days": 28,
        "suggested_outcome_code": 8,
        "areas": DEMO_AREAS,
        "rule_set": default_rule_set("demo", "demo-2026.1"),
    },
    {
        "id": "northshire",
        "name": "Northshire Constabulary",
        "reference_prefix": "NSH",
        # this force bars for ever after non-engagement and records outcome 22
        "bar_months": None,
        "first_contact_hours": 48,
        "engagement_window_days": 21,
        "suggested_outcome_code": 22,
        "areas": [{"code": "coast", "name": "Coast"}, {"code": "moor", "name": "Moorland"}],
        "rule_set": default_rule_set("northshire", "northshire-2026.1"),
    },
]


async def seed_force(session: AsyncSession, spec: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    rule_set: RuleSet = spec["rule_set"]
    if await session.get(Force, spec["id"]) is None:
        fields = {k: v for k, v in spec.items() if k != "rule_set"}
        session.add(Force(**fields, created_at=now))
        await session.flush()
    existing = await session.scalar(
        select(EligibilityRuleSet).where(
            EligibilityRuleSet.force_id == spec["id"],
            EligibilityRuleSet.version == rule_set.version,
        )
    )
    if existing is None:
        session.add(
            EligibilityRuleSet(
                force_id=spec["id"],
                version=rule_set.version,
                document=rule_set.model_dump(mode="json"),
                active=True,
                created_at=now,
            )
        )


async def seed_development_client(session: AsyncSession, force_id: str) -> None:
    """The client the development identity provider's integration tokens name. Its tokens are
    let in only where that provider is trusted (never in production)."""
    client_id = f"{force_id}-integration-1"
    found = await session.scalar(
        select(IntegrationClient).where(
            IntegrationClient.issuer == DEV_ISSUER, IntegrationClient.client_id == client_id
        )
    )
    if found is None:
        now = datetime.now(UTC)
        session.add(
            IntegrationClient(
                id=uuid.uuid4(),
                force_id=force_id,
                issuer=DEV_ISSUER,
                client_id=client_id,
                name=f"Development client of {force_id}",
                scopes=[s.value for s in GRANTABLE],
                status=ClientStatus.active,
                status_reason=None,
                registered_at=now,
                registered_by="seed",
                status_changed_at=now,
            )
        )


async def seed(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.session() as session:
            for spec in FORCES:
                await seed_force(session, spec)
                await seed_development_client(session, spec["id"])
            await session.commit()
    finally:
        await db.dispose()


def main() -> None:
    import os

    asyncio.run(seed(os.environ["REFERRAL_DATABASE_URL"]))


if __name__ == "__main__":
    main()
