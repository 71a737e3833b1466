"""Free text in assessment-api: every note, concern, reason and amount is the kit's text type."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI

from servicekit.types import MULTILINE_TEXT_PATTERN, TEXT_PATTERN
from servicekit_testing.openapi import request_strings

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


def test_every_free_text_field_carries_the_kits_rule(app: FastAPI) -> None:
    fields = dict(request_strings(app.openapi()))
    assert any(where.endswith(" note") for where in fields)
    plain = [
        where
        for where, schema in fields.items()
        if schema.get("pattern") not in (TEXT_PATTERN, MULTILINE_TEXT_PATTERN)
    ]
    assert plain == []


@pytest.mark.parametrize(
    ("note", "says"),
    [
        ("Rang twice\u202e", "bidirectional control (U+202E"),
        ("Rang\x00twice", "control character (U+0000"),
        ("Rang\x0btwice", "control character (U+000B"),
        ("\u200b\u2060", "invisible characters"),
    ],
)
async def test_a_note_with_hidden_characters_is_refused_naming_it(
    desk: Desk, note: str, says: str
) -> None:
    case_id = await desk.new_case()
    response = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts",
        json={"channel": "phone", "result": "no_answer", "note": note},
        headers=desk.worker,
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "note" and says in error["message"]


@pytest.mark.parametrize("line_break", ["\n", "\r\n"])
async def test_a_note_keeps_its_line_breaks(desk: Desk, line_break: str) -> None:
    case_id = await desk.new_case()
    note = f"No answer.{line_break}\tLeft a voicemail with the service's number."
    response = await desk.client.post(
        f"/v1/cases/{case_id}/contact-attempts",
        json={"channel": "phone", "result": "no_answer", "note": note},
        headers=desk.worker,
    )
    assert response.status_code == 201, response.text
    assert response.json()["note"] == note.replace("\r\n", "\n")
