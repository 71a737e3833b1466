"""The access log: every read of a record about a person says who, when, what and why.

Its table is `audit_log` (the name it was created with); the code calls it the access log so it
is never mistaken for the AUDIT alcohol questionnaire that assessment-api scores.
"""

from __future__ import annotations

import uuid

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.tables import KitTables


async def record_access(
    session: AsyncSession,
    tables: KitTables,
    principal: Principal,
    *,
    action: str,
    resource_type: str,
    resource_id: str | None,
    force_id: str | None,
    purpose: str,
) -> None:
    """Write one access-log entry in the caller's transaction."""
    await session.execute(
        insert(tables.audit_log).values(
            id=uuid.uuid4(),
            at=utcnow(),
            actor=principal.subject,
            role=principal.role.value,
            force_id=force_id,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            purpose=purpose,
        )
    )
