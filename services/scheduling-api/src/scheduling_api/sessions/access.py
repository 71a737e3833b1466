"""Whose sessions a caller sees: administrators every session of their forces, facilitators only
the sessions they run.

A facilitator has no business with a colleague's sessions (who is booked onto them, their
attendance), so another facilitator's session is answered as if it did not exist, exactly like
another force's: the caller learns nothing about it, not even that it is there.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling_api.exceptions import not_found
from scheduling_api.sessions.models import Session
from servicekit.auth import Principal, Role


def runs_it(principal: Principal) -> bool:
    """Whether the caller sees only the sessions they run themselves."""
    return principal.role is Role.facilitator


def can_see(principal: Principal, found: Session) -> bool:
    if not principal.can_see_force(found.force_id):
        return False
    return not runs_it(principal) or found.facilitator_id == principal.subject


def visible_sessions(principal: Principal) -> ColumnElement[bool]:
    """The condition on `sessions` for what the caller may see, for a query's WHERE."""
    of_forces = Session.force_id.in_(principal.forces)
    if runs_it(principal):
        return and_(of_forces, Session.facilitator_id == principal.subject)
    return of_forces


async def visible_session(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID
) -> Session:
    """The session if the caller may see it; 404 alike for missing, another force's and (for a
    facilitator) another facilitator's."""
    found = await session.get(Session, session_id)
    if found is None or not can_see(principal, found):
        raise not_found("session")
    return found
