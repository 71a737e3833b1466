"""The audit trail of reads, and liveness and readiness."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from kit_fixture_support import Service, kit, start_service
from sqlalchemy import select

from servicekit.access_log import record_access
from servicekit.auth import Principal, Role
from servicekit.crypto import FieldCipher
from servicekit.db import Database
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.nats import free_port

pytestmark = pytest.mark.db


async def test_record_access_writes_who_what_and_why(db: Database) -> None:
    principal = Principal(subject="worker-9", role=Role.worker, forces=frozenset({"force-a"}))
    resource = str(uuid.uuid4())
    async with db.session() as session:
        await record_access(
            session,
            kit,
            principal,
            action="read",
            resource_type="case",
            resource_id=resource,
            force_id="force-a",
            purpose="first contact call",
        )
        await session.commit()
    async with db.session() as session:
        [row] = (await session.execute(select(kit.audit_log))).all()
    assert (row.actor, row.role, row.force_id) == ("worker-9", "worker", "force-a")
    assert (row.action, row.resource_type, row.resource_id) == ("read", "case", resource)
    assert row.purpose == "first contact call"
    assert abs(datetime.now(UTC) - row.at) < timedelta(seconds=10)


async def test_record_access_is_part_of_the_callers_transaction(db: Database) -> None:
    principal = Principal(subject="analyst-1", role=Role.analyst, forces=frozenset({"force-a"}))
    async with db.session() as session:
        await record_access(
            session,
            kit,
            principal,
            action="read",
            resource_type="case",
            resource_id=None,
            force_id=None,
            purpose="abandoned",
        )
        await session.rollback()
    async with db.session() as session:
        assert (await session.execute(select(kit.audit_log))).all() == []


async def test_reading_a_note_through_the_api_is_audited(service: Service) -> None:
    created = await service.client.post("/notes", json={"text": "hi"}, headers=service.auth())
    note_id = created.json()["id"]
    response = await service.client.get(
        f"/notes/{note_id}", headers=service.auth("supervisor", subject="sup-3")
    )
    assert response.status_code == 200 and response.json()["text"] == "hi"
    async with service.runtime.db.session() as session:
        [row] = (await session.execute(select(kit.audit_log))).all()
    assert (row.actor, row.role, row.resource_id, row.purpose) == (
        "sup-3",
        "supervisor",
        note_id,
        "case review",
    )


async def test_health_needs_no_token(service: Service) -> None:
    response = await service.client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_ready_when_the_database_answers(service: Service) -> None:
    response = await service.client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "nats": "ok"}}


async def test_ready_names_nats_when_the_relay_is_not_connected(
    db_url: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    cipher: FieldCipher,
) -> None:
    svc, client = await start_service(
        db_url, dev_idp, trusted_issuers, field_keys, nats_url=f"nats://127.0.0.1:{free_port()}"
    )
    async with client:
        response = await client.get("/ready")
    await svc.runtime.stop()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert "NATS" in body["checks"]["nats"]
    assert body["detail"].startswith("Not ready: nats:")


async def test_ready_can_be_asked_about_the_database_alone(service: Service) -> None:
    """A load balancer asks only about the database: with NATS down, writes still succeed."""
    client = service.client
    whole = await client.get("/ready")
    only_db = await client.get("/ready", params={"check": "database"})
    assert only_db.status_code == 200
    assert set(only_db.json()["checks"]) == {"database"}
    assert set(whole.json().get("checks", {})) >= {"database"}
    unknown = await client.get("/ready", params={"check": "moon"})
    assert unknown.status_code == 422
