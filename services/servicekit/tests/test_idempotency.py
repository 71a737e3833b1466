"""Idempotency-Key storage: a retry gets the stored response and never a second effect."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from kit_fixture_support import Service, add_note, count, kit, notes
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.crypto import FieldCipher
from servicekit.db import Database
from servicekit.idempotency import (
    Answer,
    StoredResponse,
    fingerprint,
    lookup,
    remember,
    respond_once,
)
from servicekit.problems import Problem

pytestmark = pytest.mark.db


async def test_same_key_and_body_returns_the_stored_response(db: Database) -> None:
    request_hash = fingerprint({"text": "hello", "n": 1})
    stored = StoredResponse(201, {"id": "abc", "nested": [1, 2]}, {"Location": "/notes/abc"})
    async with db.session() as session:
        assert (
            await lookup(session, kit, scope="u1:op", key="key-0001", request_hash=request_hash)
            is None
        )
        await remember(
            session, kit, scope="u1:op", key="key-0001", request_hash=request_hash, response=stored
        )
        await session.commit()
    async with db.session() as session:
        again = await lookup(
            session,
            kit,
            scope="u1:op",
            key="key-0001",
            request_hash=fingerprint({"n": 1, "text": "hello"}),
        )
        assert again == stored  # key order in the body does not matter
        # the key belongs to one caller and operation: another scope has not used it
        assert (
            await lookup(session, kit, scope="u2:op", key="key-0001", request_hash=request_hash)
            is None
        )


async def test_same_key_with_another_body_is_a_422_problem(db: Database) -> None:
    async with db.session() as session:
        await remember(
            session,
            kit,
            scope="u1:op",
            key="key-0002",
            request_hash=fingerprint({"text": "first"}),
            response=StoredResponse(201, {}, {}),
        )
        await session.commit()
    async with db.session() as session:
        with pytest.raises(Problem) as caught:
            await lookup(
                session,
                kit,
                scope="u1:op",
                key="key-0002",
                request_hash=fingerprint({"text": "other"}),
            )
    assert caught.value.status == 422
    assert caught.value.errors is not None
    assert caught.value.errors[0]["field"] == "header.Idempotency-Key"
    assert "different request" in caught.value.detail


def test_fingerprint_depends_on_content_not_key_order() -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert fingerprint({"b": [1, 2]}) != fingerprint({"b": [2, 1]})


async def test_a_retried_request_creates_one_note_and_gets_the_same_answer(
    service: Service,
) -> None:
    headers = {**service.auth(), "Idempotency-Key": str(uuid.uuid4())}
    first = await service.client.post("/idempotent-notes", json={"text": "once"}, headers=headers)
    second = await service.client.post("/idempotent-notes", json={"text": "once"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert first.headers["location"] == second.headers["location"]
    assert await count(service.runtime.db, notes) == 1

    reused = await service.client.post(
        "/idempotent-notes", json={"text": "another"}, headers=headers
    )
    assert reused.status_code == 422
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert await count(service.runtime.db, notes) == 1

    fresh = {**service.auth(), "Idempotency-Key": str(uuid.uuid4())}
    other = await service.client.post("/idempotent-notes", json={"text": "once"}, headers=fresh)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert await count(service.runtime.db, notes) == 2


@pytest.mark.parametrize("key", [None, "short", "has spaces in it", "x" * 201])
async def test_a_missing_or_malformed_key_is_a_400_naming_the_header(
    service: Service, key: str | None
) -> None:
    headers = service.auth()
    if key is not None:
        headers["Idempotency-Key"] = key
    response = await service.client.post("/idempotent-notes", json={"text": "hi"}, headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:diversion:problem:idempotency-key"
    assert [e["field"] for e in body["errors"]] == ["header.Idempotency-Key"]
    assert "Idempotency-Key" in body["detail"]
    assert await count(service.runtime.db, notes) == 0
    assert await count(service.runtime.db, kit.idempotency_keys) == 0


async def test_a_stored_response_is_encrypted_at_rest(db: Database) -> None:
    # a stored response can hold anything the answer held: health notes, names
    body = {"id": "abc", "notes": "Low mood since losing job", "scores": [{"total": 17}]}
    async with db.session() as session:
        await remember(
            session,
            kit,
            scope="u1:op",
            key="key-0100",
            request_hash=fingerprint({}),
            response=StoredResponse(200, body, {}),
        )
        await session.commit()
    async with db.engine.connect() as conn:
        raw = (await conn.execute(text("SELECT response_body FROM idempotency_keys"))).scalar()
    assert "Low mood" not in str(raw) and "total" not in str(raw)
    assert str(raw).strip('"').startswith("enc1.")
    async with db.session() as session:
        stored = await lookup(
            session, kit, scope="u1:op", key="key-0100", request_hash=fingerprint({})
        )
    assert stored == StoredResponse(200, body, {})


async def test_a_response_stored_before_encryption_still_reads(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO idempotency_keys (scope, key, request_hash, status_code, "
                "response_body, headers, created_at) VALUES ('u1:op', 'key-0101', :hash, 201, "
                """'{"id": "old"}', '{}', '2026-11-26 10:00:00')"""
            ),
            {"hash": fingerprint({})},
        )
    async with db.session() as session:
        stored = await lookup(
            session, kit, scope="u1:op", key="key-0101", request_hash=fingerprint({})
        )
    assert stored == StoredResponse(201, {"id": "old"}, {})


async def test_old_keys_are_forgotten_and_recent_ones_kept(db: Database) -> None:
    from datetime import timedelta

    from servicekit.db import utcnow
    from servicekit.idempotency import KeyKeeper

    async with db.session() as session:
        for key in ("key-old-0001", "key-new-0001"):
            await remember(
                session,
                kit,
                scope="u1:op",
                key=key,
                request_hash=fingerprint({}),
                response=StoredResponse(201, {"id": key}, {}),
            )
        await session.commit()
    async with db.engine.begin() as conn:
        await conn.execute(
            kit.idempotency_keys.update()
            .where(kit.idempotency_keys.c.key == "key-old-0001")
            .values(created_at=utcnow() - timedelta(days=36))
        )
    keeper = KeyKeeper(db, kit, keep_seconds=35 * 86400)
    assert await keeper.forget_old() == 1
    async with db.session() as session:
        assert (
            await lookup(
                session, kit, scope="u1:op", key="key-old-0001", request_hash=fingerprint({})
            )
            is None
        )
        assert await lookup(
            session, kit, scope="u1:op", key="key-new-0001", request_hash=fingerprint({})
        )


async def test_the_keeper_runs_in_the_background_until_stopped(db: Database) -> None:
    import asyncio

    from servicekit.idempotency import KeyKeeper

    keeper = KeyKeeper(db, kit, keep_seconds=0, every_seconds=0.05)
    async with db.session() as session:
        await remember(
            session,
            kit,
            scope="u1:op",
            key="key-any-0001",
            request_hash=fingerprint({}),
            response=StoredResponse(201, {}, {}),
        )
        await session.commit()
    await keeper.start()
    try:
        for _ in range(100):
            if await count(db, kit.idempotency_keys) == 0:
                break
            await asyncio.sleep(0.02)
    finally:
        await keeper.stop()
    assert await count(db, kit.idempotency_keys) == 0
    assert keeper.stopped


async def test_a_service_forgets_old_keys_while_it_runs(
    db_url: str, dev_idp: Any, trusted_issuers: dict[str, list[str]], field_keys: dict[str, str]
) -> None:
    from kit_fixture_support import PRODUCER, make_settings

    from servicekit.app import ServiceRuntime

    settings = make_settings(
        database_url=db_url, idp=dev_idp, trusted_issuers=trusted_issuers, field_keys=field_keys
    )
    runtime = ServiceRuntime(settings, kit, producer=PRODUCER)
    assert runtime.key_keeper.keep_seconds == 35 * 86400
    await runtime.start()
    try:
        assert not runtime.key_keeper.stopped
    finally:
        await runtime.stop()
    assert runtime.key_keeper.stopped


async def _note_writer(session: AsyncSession, text_: str) -> StoredResponse:
    note_id = await add_note(session, text_)
    return StoredResponse(201, {"id": str(note_id)}, {"Location": f"/notes/{note_id}"})


async def test_respond_once_says_whether_it_replayed(db: Database) -> None:
    async def once(key: str | None) -> Answer:
        async with db.session() as session:
            return await respond_once(
                session,
                kit,
                key=key,
                scope="u1:create-note",
                payload={"text": "hi"},
                perform=lambda: _note_writer(session, "hi"),
            )

    first = await once("key-0200")
    again = await once("key-0200")
    assert (first.replayed, again.replayed) == (False, True)
    assert again.response == first.response
    unkeyed = await once(None)
    assert not unkeyed.replayed and unkeyed.response != first.response
    assert await count(db, notes) == 2  # the retry wrote nothing; the unkeyed write committed
    reply = again.json_response()
    assert (
        reply.status_code == 201 and reply.headers["location"] == first.response.headers["Location"]
    )


async def test_a_write_whose_key_was_stored_meanwhile_is_a_replay_and_keeps_nothing(
    db: Database, db_url: str, cipher: FieldCipher
) -> None:
    """Another request with the same key commits while this one performs: this one's `perform`
    runs to the end, then its commit clashes on the key and rolls back. Its answer is the other
    request's, replayed: a flag set inside `perform` would wrongly say it was its own."""
    other = Database(db_url, cipher=cipher)
    theirs = StoredResponse(201, {"id": "theirs"}, {})
    performed: list[StoredResponse] = []

    async def perform(session: AsyncSession) -> StoredResponse:
        async with other.session() as racing:  # the other request finishes first
            await remember(
                racing,
                kit,
                scope="u1:create-note",
                key="key-0201",
                request_hash=fingerprint({"text": "hi"}),
                response=theirs,
            )
            await racing.commit()
        ours = await _note_writer(session, "hi")
        performed.append(ours)
        return ours

    try:
        async with db.session() as session:
            answer = await respond_once(
                session,
                kit,
                key="key-0201",
                scope="u1:create-note",
                payload={"text": "hi"},
                perform=lambda: perform(session),
            )
    finally:
        await other.dispose()
    assert len(performed) == 1  # perform ran to the end...
    assert answer.replayed  # ...yet the answer is the other request's
    assert answer.response == theirs
    assert await count(db, notes) == 0  # and this request's own write was rolled back
