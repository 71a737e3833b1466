"""Import a force area's directory of local services from an Open Referral UK style document.

    python -m assessment_api.directory.importer FILE --force demo   (uses ASSESSMENT_DATABASE_URL)

The document lists `organizations`, each with its `services`: name, description, email, url,
`phones`, `eligibilitys`, `service_areas` (postcode districts or areas; none means the whole force
area) and `service_taxonomys`, whose terms are mapped to the needs the service meets. Importing
again updates services in place; services no longer listed stay (past referrals name them) but
are no longer offered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_api.directory.models import (
    DirectoryService,
    DirectoryServiceArea,
    DirectoryServiceNeed,
)
from assessment_api.directory.postcodes import coverage_prefix
from contracts.vocabulary import NeedDomain
from servicekit.db import Database

NEEDS_VOCABULARY = "diversion-needs"

# Taxonomy terms (as named by Open Referral UK publishers) and the need each one meets.
TERM_NEEDS: dict[str, NeedDomain] = {
    "mental health": NeedDomain.mental_health,
    "mental wellbeing": NeedDomain.mental_health,
    "counselling": NeedDomain.mental_health,
    "talking therapies": NeedDomain.mental_health,
    "physical health": NeedDomain.physical_health,
    "sexual health": NeedDomain.physical_health,
    "health": NeedDomain.physical_health,
    "domestic abuse": NeedDomain.domestic_abuse,
    "domestic violence": NeedDomain.domestic_abuse,
    "housing": NeedDomain.housing,
    "homelessness": NeedDomain.housing,
    "exploitation": NeedDomain.exploitation,
    "county lines": NeedDomain.exploitation,
    "modern slavery": NeedDomain.exploitation,
    "safeguarding": NeedDomain.safeguarding,
    "employment": NeedDomain.employment_education,
    "education": NeedDomain.employment_education,
    "training": NeedDomain.employment_education,
    "debt": NeedDomain.debt_finances,
    "debt advice": NeedDomain.debt_finances,
    "money advice": NeedDomain.debt_finances,
    "benefits": NeedDomain.debt_finances,
    "drug treatment": NeedDomain.substance_use,
    "drugs": NeedDomain.substance_use,
    "substance misuse": NeedDomain.substance_use,
    "drug and alcohol": NeedDomain.substance_use,
    "alcohol": NeedDomain.alcohol,
    "gambling": NeedDomain.gambling,
}


class DirectoryDocumentError(ValueError):
    """The document cannot be imported; `path` says where."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass
class ServiceRecord:
    id: str
    organization_id: str
    organization_name: str
    name: str
    description: str
    email: str | None
    url: str | None
    phone: str | None
    eligibility: str | None
    taxonomy: list[dict[str, Any]]
    service_areas: list[str]
    prefixes: set[str]
    needs: set[NeedDomain]
    active: bool


@dataclass
class ImportSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)


def _text(value: Any, path: str, *, required: bool = False, limit: int = 500) -> str | None:
    if value is None or value == "":
        if required:
            raise DirectoryDocumentError(path, "is required")
        return None
    if not isinstance(value, str):
        raise DirectoryDocumentError(path, "must be text")
    text = value.strip()
    if len(text) > limit:
        raise DirectoryDocumentError(path, f"is longer than {limit} characters")
    return text


def _list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DirectoryDocumentError(path, "must be a list")
    return value


def needs_of(taxonomy: list[dict[str, Any]]) -> set[NeedDomain]:
    needs: set[NeedDomain] = set()
    for term in taxonomy:
        if term.get("vocabulary") == NEEDS_VOCABULARY:
            if str(term.get("id")) in NeedDomain.__members__:
                needs.add(NeedDomain(str(term.get("id"))))
            continue
        need = TERM_NEEDS.get(str(term.get("name", "")).strip().lower())
        if need is not None:
            needs.add(need)
    return needs


def parse_document(document: Any) -> list[ServiceRecord]:
    """Every service in an Open Referral UK style document, validated."""
    if not isinstance(document, dict):
        raise DirectoryDocumentError("$", "must be an object with `organizations`")
    records: list[ServiceRecord] = []
    seen: set[str] = set()
    for o_index, organization in enumerate(_list(document.get("organizations"), "organizations")):
        o_path = f"organizations[{o_index}]"
        if not isinstance(organization, dict):
            raise DirectoryDocumentError(o_path, "must be an object")
        org_id = _text(organization.get("id"), f"{o_path}.id", required=True, limit=100)
        org_name = _text(organization.get("name"), f"{o_path}.name", required=True, limit=200)
        assert org_id and org_name
        for s_index, service in enumerate(
            _list(organization.get("services"), f"{o_path}.services")
        ):
            path = f"{o_path}.services[{s_index}]"
            if not isinstance(service, dict):
                raise DirectoryDocumentError(path, "must be an object")
            service_id = _text(service.get("id"), f"{path}.id", required=True, limit=100)
            name = _text(service.get("name"), f"{path}.name", required=True, limit=200)
            assert service_id and name
            if service_id in seen:
                raise DirectoryDocumentError(f"{path}.id", f"{service_id!r} is listed twice")
            seen.add(service_id)
            taxonomy: list[dict[str, Any]] = []
            for t_index, entry in enumerate(
                _list(service.get("service_taxonomys"), f"{path}.service_taxonomys")
            ):
                term = entry.get("taxonomy") if isinstance(entry, dict) else None
                if not isinstance(term, dict):
                    raise DirectoryDocumentError(
                        f"{path}.service_taxonomys[{t_index}]", "must hold a `taxonomy` object"
                    )
                taxonomy.append(
                    {k: str(term[k]) for k in ("id", "name", "vocabulary") if term.get(k)}
                )
            areas = [
                str(_text(a.get("service_area"), f"{path}.service_areas[{i}].service_area"))
                for i, a in enumerate(_list(service.get("service_areas"), f"{path}.service_areas"))
                if isinstance(a, dict) and a.get("service_area")
            ]
            eligibility = [
                str(e.get("eligibility")).strip()
                for e in _list(service.get("eligibilitys"), f"{path}.eligibilitys")
                if isinstance(e, dict) and e.get("eligibility")
            ]
            phones = [
                str(p.get("number")).strip()
                for p in _list(service.get("phones"), f"{path}.phones")
                if isinstance(p, dict) and p.get("number")
            ]
            records.append(
                ServiceRecord(
                    id=service_id,
                    organization_id=org_id,
                    organization_name=org_name,
                    name=name,
                    description=_text(service.get("description"), f"{path}.description", limit=4000)
                    or "",
                    email=_text(service.get("email") or organization.get("email"), f"{path}.email"),
                    url=_text(service.get("url") or organization.get("url"), f"{path}.url"),
                    phone=phones[0][:40] if phones else None,
                    eligibility="; ".join(eligibility) or None,
                    taxonomy=taxonomy,
                    service_areas=areas,
                    prefixes={p for a in areas if (p := coverage_prefix(a))},
                    needs=needs_of(taxonomy),
                    active=str(service.get("status", "active")).lower() == "active",
                )
            )
    return records


async def import_directory(
    *, session: AsyncSession, force_id: str, document: Any, now: datetime | None = None
) -> ImportSummary:
    """Bring the force's directory in line with the document (in the caller's transaction)."""
    now = now or datetime.now(UTC)
    records = parse_document(document)
    summary = ImportSummary()
    existing = {
        s.id: s
        for s in (
            await session.scalars(
                select(DirectoryService).where(DirectoryService.force_id == force_id)
            )
        ).all()
    }
    for record in records:
        fields = {
            "organization_id": record.organization_id,
            "organization_name": record.organization_name,
            "name": record.name,
            "description": record.description,
            "email": record.email,
            "url": record.url,
            "phone": record.phone,
            "eligibility": record.eligibility,
            "taxonomy": record.taxonomy,
            "service_areas": record.service_areas,
            "active": record.active,
            "imported_at": now,
        }
        service = existing.get(record.id)
        if service is None:
            session.add(DirectoryService(force_id=force_id, id=record.id, **fields))
            summary.added.append(record.id)
        else:
            for name, value in fields.items():
                setattr(service, name, value)
            summary.updated.append(record.id)
        await session.flush()
        for table in (DirectoryServiceNeed, DirectoryServiceArea):
            await session.execute(
                delete(table).where(table.force_id == force_id, table.service_id == record.id)
            )
        for need in sorted(record.needs):
            session.add(DirectoryServiceNeed(force_id=force_id, service_id=record.id, need=need))
        for prefix in sorted(record.prefixes):
            session.add(
                DirectoryServiceArea(
                    force_id=force_id, service_id=record.id, postcode_prefix=prefix
                )
            )
    gone = sorted(set(existing) - {r.id for r in records})
    if gone:
        await session.execute(
            update(DirectoryService)
            .where(DirectoryService.force_id == force_id, DirectoryService.id.in_(gone))
            .values(active=False, imported_at=now)
            .execution_options(synchronize_session=False)
        )
        summary.withdrawn.extend(gone)
    await session.flush()
    return summary


async def import_file(database_url: str, path: Path, force_id: str) -> ImportSummary:
    document = json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    db = Database(database_url)
    try:
        async with db.session() as session:
            summary = await import_directory(session=session, force_id=force_id, document=document)
            await session.commit()
        return summary
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assessment_api.directory.importer",
        description="Import an Open Referral UK style directory of local services for a force.",
    )
    parser.add_argument("file", type=Path, help="the JSON document")
    parser.add_argument("--force", required=True, help="the force whose area it covers")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("ASSESSMENT_DATABASE_URL"),
        help="default: ASSESSMENT_DATABASE_URL",
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set ASSESSMENT_DATABASE_URL or pass --database-url")
    try:
        summary = asyncio.run(import_file(args.database_url, args.file, args.force))
    except (OSError, json.JSONDecodeError, DirectoryDocumentError) as exc:
        print(f"not imported: {exc}", file=sys.stderr)
        return 1
    print(
        f"{args.force}: {len(summary.added)} added, {len(summary.updated)} updated, "
        f"{len(summary.withdrawn)} no longer listed"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
