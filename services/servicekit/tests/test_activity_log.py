"""One structured log line per request and per event handled, with what an operator needs to
follow them (route, status, duration, request id, role and force; event type, ids, outcome) and
never a person's details: no bodies, no query strings, no raw paths."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
from kit_fixture_support import (
    RecordingConsumer,
    Service,
    add_note,
    eventually,
    kit,
    withdrawn_event,
)
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import Database
from servicekit.inbox import Disposition, Subscription
from servicekit.logs import EVENT_LOG, REQUEST_LOG, configure_logging, formatter
from servicekit_testing.nats import NatsServer

pytestmark = pytest.mark.db

NAME = "Alice Fairweather"


def lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == logger]


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record the service wrote (not the test's HTTP client), as the kit writes it: in
    JSON and in text (`make run`)."""
    return "\n".join(
        formatter("kit-test", json_logs=json_logs).format(record)
        for record in caplog.records
        if record.name != "httpx"
        for json_logs in (True, False)
    )


async def test_a_request_is_one_line_with_its_route_status_and_caller(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await service.client.post(
        f"/notes?about={NAME.replace(' ', '+')}",
        json={"text": f"{NAME} was seen at the station"},
        headers=service.auth(),
    )
    assert response.status_code == 201, response.text
    [line] = lines(caplog, REQUEST_LOG)
    fields: dict[str, Any] = line.__dict__
    assert fields["method"] == "POST"
    assert fields["path"] == "/notes"  # the route, without the query string
    assert fields["status"] == 201
    assert isinstance(fields["duration_ms"], float) and fields["duration_ms"] >= 0
    assert fields["request_id"] == response.headers["x-request-id"]
    assert fields["role"] == "officer"
    assert fields["force"] == "force-a"
    assert NAME.split()[0] not in everything_logged(caplog)


async def test_a_path_is_logged_as_its_template_and_an_unknown_one_not_at_all(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    note_id = uuid.uuid4()
    await service.client.get(f"/notes/{note_id}", headers=service.auth())
    await service.client.get(f"/people/{NAME}")
    first, second = lines(caplog, REQUEST_LOG)
    assert (first.__dict__["path"], first.__dict__["status"]) == ("/notes/{note_id}", 404)
    assert (second.__dict__["path"], second.__dict__["status"]) == ("(no route)", 404)
    assert second.__dict__["role"] is None  # no token, no caller
    assert NAME.split()[0] not in everything_logged(caplog)


async def test_a_request_id_sent_is_kept_and_a_strange_one_replaced(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    kept = await service.client.get("/health", headers={"X-Request-ID": "portal-7f3a9c"})
    assert kept.headers["x-request-id"] == "portal-7f3a9c"
    replaced = await service.client.get("/health", headers={"X-Request-ID": f"x {NAME}"})
    assert NAME not in replaced.headers["x-request-id"]
    assert [r.__dict__["request_id"] for r in lines(caplog, REQUEST_LOG)] == [
        "portal-7f3a9c",
        replaced.headers["x-request-id"],
    ]


async def test_a_failing_request_is_logged_once_as_500(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await service.client.get("/boom", headers=service.auth())
    assert response.status_code == 500
    [line] = lines(caplog, REQUEST_LOG)
    assert (line.__dict__["path"], line.__dict__["status"]) == ("/boom", 500)


@pytest.mark.nats
async def test_an_event_handled_is_one_line_with_its_outcome(
    db: Database, nc: Client, own_nats_server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    async def handler(session: AsyncSession, event: Any) -> None:
        await add_note(session, f"{NAME} withdrawn")

    consumer = RecordingConsumer(
        db,
        kit,
        own_nats_server.url,
        [Subscription("REFERRAL", "kit-test", {"referral.withdrawn.v1": handler})],
        name="kit-test",
    )
    event = withdrawn_event()
    await consumer.start()
    try:
        await nc.jetstream().publish(
            "referral.withdrawn.v1", event.to_json(), headers={"Nats-Msg-Id": str(event.id)}
        )

        async def handled() -> bool:
            return consumer.dispositions_of(event) == [Disposition.applied]

        await eventually(handled, what="the event to be applied")
    finally:
        await consumer.stop()
    [line] = lines(caplog, EVENT_LOG)
    fields: dict[str, Any] = line.__dict__
    assert fields["event_type"] == "referral.withdrawn.v1"
    assert fields["event_id"] == str(event.id)
    assert fields["referral_id"] == str(event.data.referral_id)
    assert fields["outcome"] == Disposition.applied
    assert isinstance(fields["duration_ms"], float) and fields["duration_ms"] >= 0
    assert fields["consumer"] == "kit-test"
    assert NAME.split()[0] not in everything_logged(caplog)
    assert json.loads(formatter("kit-test", json_logs=True).format(line))["outcome"] == "applied"


def test_outgoing_request_urls_are_not_logged_at_info(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("fixture", level="INFO", json_logs=False)
    try:
        logging.getLogger("httpx").info("HTTP Request: GET https://idp.example/jwks?sig=secret")
        logging.getLogger("httpx").warning("a failure still shows")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    err = capsys.readouterr().err
    assert "sig=secret" not in err and "a failure still shows" in err
