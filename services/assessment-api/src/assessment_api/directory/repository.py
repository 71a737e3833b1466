"""Queries for the directory: by need and postcode, within the forces the worker may work."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.directory.models import (
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceNeed,
)
from assessment_api.directory.postcodes import area_of
from contracts.vocabulary import NeedDomain
from servicekit.paging import Found, paginate


async def search(
    *,
    session: AsyncSession,
    forces: Collection[str],
    need: NeedDomain | None,
    district: str | None,
    cursor: str | None,
    limit: int,
) -> Found[DirectoryService]:
    """Active services, by name; a service with no listed areas covers the whole force area."""
    query = select(DirectoryService).where(
        DirectoryService.force_id.in_(sorted(forces)), DirectoryService.active.is_(True)
    )
    if need is not None:
        query = query.where(
            exists().where(
                DirectoryServiceNeed.force_id == DirectoryService.force_id,
                DirectoryServiceNeed.service_id == DirectoryService.id,
                DirectoryServiceNeed.need == need,
            )
        )
    if district is not None:
        area = DirectoryServiceArea
        covers = (area.force_id == DirectoryService.force_id) & (
            area.service_id == DirectoryService.id
        )
        query = query.where(
            or_(
                ~exists().where(covers),
                exists().where(covers, area.postcode_prefix.in_([district, area_of(district)])),
            )
        )
    order = (DirectoryService.name, DirectoryService.force_id, DirectoryService.id)
    return await paginate(session, query, order=order, cursor=cursor, limit=limit)


async def needs_of(
    *, session: AsyncSession, services: Collection[DirectoryService]
) -> dict[tuple[str, str], list[NeedDomain]]:
    if not services:
        return {}
    keys = [(s.force_id, s.id) for s in services]
    rows = await session.execute(
        select(
            DirectoryServiceNeed.force_id,
            DirectoryServiceNeed.service_id,
            DirectoryServiceNeed.need,
        )
        .where(tuple_(DirectoryServiceNeed.force_id, DirectoryServiceNeed.service_id).in_(keys))
        .order_by(DirectoryServiceNeed.need)
    )
    found: dict[tuple[str, str], list[NeedDomain]] = {}
    for force_id, service_id, need in rows:
        found.setdefault((force_id, service_id), []).append(need)
    return found


async def get(*, session: AsyncSession, force_id: str, service_id: str) -> DirectoryService | None:
    return await session.get(DirectoryService, (force_id, service_id))


async def meets(*, session: AsyncSession, force_id: str, service_id: str, need: NeedDomain) -> bool:
    found = await session.get(DirectoryServiceNeed, (force_id, service_id, need))
    return found is not None
