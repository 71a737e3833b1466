"""Every error is RFC 9457 problem+json a person can act on, and changes nothing."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kit_fixture_support import FIXTURE_INI, Service, count, notes, start_service

from servicekit.crypto import FieldCipher
from servicekit.devidp import DevIdentityProvider
from servicekit.migrate import upgrade
from servicekit.problems import STANDARD_DESCRIPTIONS, ProblemDetail, problem_responses
from servicekit_testing.nats import free_port

pytestmark = pytest.mark.db


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"urn:diversion:problem:{slug}"
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["instance"] == response.request.url.path
    return dict(body)


async def test_malformed_json_is_400_and_saves_nothing(service: Service) -> None:
    response = await service.client.post(
        "/notes",
        content=b'{"text": "unterminated',
        headers={**service.auth(), "Content-Type": "application/json"},
    )
    body = assert_problem(response, 400, "bad-request")
    assert "not valid JSON" in str(body["detail"])
    assert body["errors"] == [{"field": "body", "message": "Unterminated string starting at"}]
    assert await count(service.runtime.db, notes) == 0


async def test_a_connection_the_server_ends_mid_request_is_503(service: Service) -> None:
    if not service.runtime.db.url.startswith("postgresql"):
        pytest.skip("a PostgreSQL server ending its connection; SQLite has no server")
    response = await service.client.post("/faults/server-gone", headers=service.auth())
    assert_problem(response, 503, "unavailable")
    assert response.headers["retry-after"] == "5"
    # the pool let the dead connection go: the next request is served
    created = await service.client.post("/notes", json={"text": "hi"}, headers=service.auth())
    assert created.status_code == 201, created.text


async def test_a_statement_cut_short_by_the_servers_time_limit_is_503(service: Service) -> None:
    if not service.runtime.db.url.startswith("postgresql"):
        pytest.skip("PostgreSQL's statement_timeout; SQLite has no server to be busy")
    response = await service.client.post("/faults/too-busy", headers=service.auth())
    body = assert_problem(response, 503, "unavailable")
    assert response.headers["retry-after"] == "5"
    assert "pg_sleep" not in response.text and "57014" not in str(body)


async def test_an_unknown_path_is_404(service: Service) -> None:
    body = assert_problem(await service.client.get("/no/such/thing"), 404, "not-found")
    assert "/no/such/thing" in str(body["detail"])


async def test_a_wrong_method_is_405(service: Service) -> None:
    response = await service.client.delete("/notes", headers=service.auth())
    body = assert_problem(response, 405, "method-not-allowed")
    assert "DELETE" in str(body["detail"]) and "use POST" in str(body["detail"])
    assert response.headers["allow"] == "POST"


async def test_an_oversized_body_is_413(service: Service) -> None:
    big = {"text": "x" * 5000}  # the fixture service accepts 4096 bytes
    response = await service.client.post("/notes", json=big, headers=service.auth())
    body = assert_problem(response, 413, "too-large")
    assert "4096" in str(body["detail"])
    assert await count(service.runtime.db, notes) == 0


async def test_an_oversized_chunked_body_without_length_is_413(service: Service) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    response = await service.client.post(
        "/notes",
        content=chunks(),
        headers={**service.auth(), "Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, 413, "too-large")
    assert await count(service.runtime.db, notes) == 0


async def test_a_small_chunked_body_is_accepted(service: Service) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": '
        yield b'"streamed"}'

    response = await service.client.post(
        "/notes",
        content=chunks(),
        headers={**service.auth(), "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["text"] == "streamed"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_that_is_not_json_is_415(service: Service, content_type: str | None) -> None:
    headers = service.auth()
    if content_type:
        headers["Content-Type"] = content_type
    response = await service.client.post("/notes", content=b'{"text": "hi"}', headers=headers)
    body = assert_problem(response, 415, "unsupported-media-type")
    assert "application/json" in str(body["detail"])
    assert await count(service.runtime.db, notes) == 0


async def test_a_header_that_is_not_utf8_is_refused_not_a_500(service: Service) -> None:
    """HTTP header values are bytes (ISO 8859-1 as ASGI gives them), not always UTF-8 text."""
    response = await service.client.post(
        "/idempotent-notes",
        json={"text": "hi"},
        headers=[*service.auth().items(), ("Idempotency-Key", b"\xf1\xf1\xf1\xf1\xf1\xf1\xf1\xf1")],
    )
    assert_problem(response, 400, "idempotency-key")
    assert await count(service.runtime.db, notes) == 0


async def test_a_json_media_type_with_charset_is_accepted(service: Service) -> None:
    response = await service.client.post(
        "/notes",
        content=b'{"text": "hi"}',
        headers={**service.auth(), "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


async def test_invalid_fields_are_422_naming_each_field(service: Service) -> None:
    response = await service.client.post(
        "/notes", json={"text": "", "colour": "purple", "extra": 1}, headers=service.auth()
    )
    body = assert_problem(response, 422, "validation")
    errors = body["errors"]
    assert isinstance(errors, list)
    fields = {e["field"] for e in errors}
    assert fields == {"text", "colour", "extra"}
    assert all(e["message"] for e in errors)
    assert "text" in str(body["detail"]) and "colour" in str(body["detail"])
    assert await count(service.runtime.db, notes) == 0

    missing = await service.client.post("/notes", json={}, headers=service.auth())
    assert [e["field"] for e in assert_problem(missing, 422, "validation")["errors"]] == ["text"]

    bad_path = await service.client.get("/notes/not-a-uuid", headers=service.auth())
    assert [e["field"] for e in assert_problem(bad_path, 422, "validation")["errors"]] == [
        "note_id"
    ]


async def test_a_domain_problem_keeps_its_own_type_and_detail(service: Service) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    body = assert_problem(
        await service.client.get(f"/notes/{missing}", headers=service.auth()), 404, "not-found"
    )
    assert body["detail"] == f"There is no note {missing}."


async def test_an_unexpected_error_is_500_without_internals(service: Service) -> None:
    response = await service.client.get("/boom", headers=service.auth())
    assert_problem(response, 500, "internal")
    for leak in ("hunter2", "kit_secret_path", "RuntimeError", "Traceback", ".py"):
        assert leak not in response.text


@pytest.fixture
async def unreachable_service(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    cipher: FieldCipher,
) -> AsyncIterator[Service]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'service.db'}"
    else:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing"
    svc, client = await start_service(url, dev_idp, trusted_issuers, field_keys)
    async with client:
        yield svc
    await svc.runtime.stop()


@pytest.mark.parametrize("unreachable_service", ["sqlite", "postgresql"], indirect=True)
async def test_an_unreachable_database_is_503(unreachable_service: Service) -> None:
    service = unreachable_service
    response = await service.client.post("/notes", json={"text": "hi"}, headers=service.auth())
    body = assert_problem(response, 503, "unavailable")
    assert "database" in str(body["detail"])
    assert response.headers["retry-after"] == "5"

    ready = await service.client.get("/ready")
    body = assert_problem(ready, 503, "unavailable")
    assert "database" in str(body["detail"])
    checks = body["checks"]
    assert isinstance(checks, dict) and checks["database"] != "ok"


async def test_the_service_recovers_alone_when_the_database_comes_back(
    tmp_path: Path,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    cipher: FieldCipher,
) -> None:
    migrated = tmp_path / "migrated.db"
    await asyncio.to_thread(upgrade, FIXTURE_INI, f"sqlite+aiosqlite:///{migrated}")
    home = tmp_path / "volume-not-mounted-yet" / "service.db"
    svc, client = await start_service(
        f"sqlite+aiosqlite:///{home}", dev_idp, trusted_issuers, field_keys
    )
    async with client:
        down = await client.post("/notes", json={"text": "hi"}, headers=svc.auth())
        assert down.status_code == 503
        assert (await client.get("/ready")).status_code == 503

        home.parent.mkdir()  # the volume comes back
        shutil.copyfile(migrated, home)

        ready = await client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ready", "checks": {"database": "ok", "nats": "ok"}}
        up = await client.post("/notes", json={"text": "hi"}, headers=svc.auth())
        assert up.status_code == 201, up.text
    await svc.runtime.stop()


@pytest.mark.parametrize(
    ("kind", "status", "slug"),
    [
        ("unique", 409, "conflict"),  # another writer got there first: fetch again and retry
        ("not-null", 500, "internal"),  # the service's own fault; retrying will not help
        ("foreign-key", 500, "internal"),
        ("no-such-column", 500, "internal"),  # SQLite says OperationalError; still not a 503
        ("bad-data", 500, "internal"),  # asyncpg says a plain DBAPIError; still not a 503
        ("missing-file", 500, "internal"),  # an OSError, but not of the socket kind
    ],
)
async def test_a_database_failure_is_told_for_what_it_is(
    service: Service, caplog: pytest.LogCaptureFixture, kind: str, status: int, slug: str
) -> None:
    response = await service.client.post(f"/faults/{kind}", headers=service.auth())
    body = assert_problem(response, status, slug)
    assert "retry-after" not in response.headers
    assert "not reachable" not in str(body["detail"])
    for leak in ("Traceback", "constraint", "no_such_column", "INSERT", "SELECT", ".py"):
        assert leak not in response.text
    if status == 500:
        # the traceback is in the log, for whoever fixes it
        logged = [r for r in caplog.records if r.exc_info is not None]
        assert logged and logged[-1].levelname == "ERROR"
    assert await count(service.runtime.db, notes) == 0


def test_problem_responses_document_problem_json_with_standard_or_own_words() -> None:
    documented = problem_responses(404, (409, "The referral is already closed."))
    assert documented[404]["description"] == STANDARD_DESCRIPTIONS[404]
    assert documented[409]["description"] == "The referral is already closed."
    for entry in documented.values():
        assert entry["model"] is ProblemDetail
        assert entry["content"] == {"application/problem+json": {}}
    with pytest.raises(ValueError, match="no standard description of 418"):
        problem_responses(418)


async def test_every_route_documents_its_problems_as_problem_json(service: Service) -> None:
    document = service.app.openapi()
    responses = document["paths"]["/notes"]["post"]["responses"]
    for status in ("401", "409", "422", "500", "503"):
        assert "application/problem+json" in responses[status]["content"], status
        assert responses[status]["description"] == STANDARD_DESCRIPTIONS[int(status)]
