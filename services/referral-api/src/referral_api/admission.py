"""Every caller, on every request, after their token is validated (servicekit `Admission`).

Integration clients are checked against the registry (`clients/service.py`): never cached, so a
suspension or revocation refuses the next request, and narrowed to their grant and force.
Officers are recorded as of their force(s) the first time this process sees them
(`officers/service.py`), so force systems may name them.
"""

from __future__ import annotations

from referral_api.clients import service as client_service
from referral_api.officers import service as officer_service
from servicekit.auth import Principal, Role
from servicekit.db import Database


class Admission:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.seen = officer_service.SeenOfficers()

    async def __call__(self, principal: Principal) -> Principal:
        if principal.role is Role.integration:
            async with self.db.session() as session:
                return await client_service.admit(session=session, principal=principal)
        if principal.role is Role.officer:
            unseen = [(f, principal.subject) for f in principal.forces]
            if any(key not in self.seen for key in unseen):
                async with self.db.session() as session:
                    await officer_service.record_signed_in(session=session, principal=principal)
                    await session.commit()
                for key in unseen:
                    self.seen.add(key)
        return principal
