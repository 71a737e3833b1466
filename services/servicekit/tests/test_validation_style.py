"""Bad input is answered in the house style, with everything wrong in one answer: the body's
errors beside a missing Idempotency-Key, and a title that says which problem it is."""

from __future__ import annotations

import uuid

import httpx
import pytest
from kit_fixture_support import Service, count, kit, notes

pytestmark = pytest.mark.db


async def post(service: Service, body: object, **headers: str) -> httpx.Response:
    return await service.client.post(
        "/idempotent-notes", json=body, headers={**service.auth(), **headers}
    )


def messages(response: httpx.Response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


async def test_field_messages_are_instructions_not_pydantic_wording(service: Service) -> None:
    response = await post(
        service,
        {"text": 5, "colour": "blue", "size": 3},
        **{"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 422, response.text
    assert messages(response) == {
        "text": "enter text",
        "colour": "choose one of 'red' or 'green'",
        "size": "is not permitted here: remove it",
    }
    empty = await post(service, {"text": ""}, **{"Idempotency-Key": str(uuid.uuid4())})
    assert messages(empty) == {"text": "cannot be empty: enter at least 1 character"}
    long = await post(service, {"text": "x" * 501}, **{"Idempotency-Key": str(uuid.uuid4())})
    assert messages(long) == {"text": "use at most 500 characters"}
    missing = await post(service, {}, **{"Idempotency-Key": str(uuid.uuid4())})
    assert messages(missing) == {"text": "is required: add it"}


async def test_a_path_id_that_is_not_a_uuid_says_what_an_id_looks_like(service: Service) -> None:
    response = await service.client.get("/notes/not-an-id", headers=service.auth())
    assert response.status_code == 422
    assert messages(response)["note_id"].startswith("enter an id as a UUID, like ")


async def test_a_missing_key_and_a_bad_body_are_answered_together(service: Service) -> None:
    response = await post(service, {"text": 5})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["title"] == "Some answers need correcting"
    found = messages(response)
    assert found["text"] == "enter text"
    assert "Send an Idempotency-Key header" in found["header.Idempotency-Key"]
    assert await count(service.runtime.db, notes) == 0


@pytest.mark.parametrize(
    ("key", "title"),
    [
        (None, "Idempotency-Key needed"),
        ("short", "Idempotency-Key not valid"),
        ("has spaces in it", "Idempotency-Key not valid"),
    ],
)
async def test_a_key_problem_alone_is_titled_for_what_is_wrong(
    service: Service, key: str | None, title: str
) -> None:
    headers = {} if key is None else {"Idempotency-Key": key}
    response = await post(service, {"text": "hi"}, **headers)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["type"] == "urn:diversion:problem:idempotency-key"
    assert body["title"] == title
    assert body["detail"] == body["errors"][0]["message"]
    assert body["detail"][:1].isupper()  # a sentence: "Send ...", "The Idempotency-Key must ..."


async def test_a_key_reused_for_another_body_is_titled_so(service: Service) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert (await post(service, {"text": "first"}, **key)).status_code == 201
    reused = await post(service, {"text": "second"}, **key)
    assert reused.status_code == 422
    assert reused.json()["title"] == "Idempotency-Key already used"
    assert await count(service.runtime.db, notes) == 1


async def test_two_idempotency_key_headers_are_a_400(service: Service) -> None:
    headers = [
        *service.auth().items(),
        ("Idempotency-Key", str(uuid.uuid4())),
        ("Idempotency-Key", str(uuid.uuid4())),
        ("Content-Type", "application/json"),
    ]
    response = await service.client.post(
        "/idempotent-notes", content=b'{"text": "hi"}', headers=headers
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["type"] == "urn:diversion:problem:idempotency-key"
    assert body["title"] == "More than one Idempotency-Key"
    assert "one Idempotency-Key" in body["detail"]
    assert await count(service.runtime.db, notes) == 0
    assert await count(service.runtime.db, kit.idempotency_keys) == 0
