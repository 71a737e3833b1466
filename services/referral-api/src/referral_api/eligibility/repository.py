"""Queries for rule sets."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from referral_api.eligibility.models import EligibilityRuleSet
from referral_api.eligibility.rules import RuleSet


async def active(*, session: AsyncSession, force_id: str) -> RuleSet | None:
    """The rule set the force uses now."""
    row = await session.scalar(
        select(EligibilityRuleSet)
        .where(EligibilityRuleSet.force_id == force_id, EligibilityRuleSet.active.is_(True))
        .order_by(EligibilityRuleSet.id.desc())
        .limit(1)
    )
    return None if row is None else RuleSet.model_validate(row.document)
