"""Free text is what a person typed: no controls, no bidirectional tricks, not only invisible.

`Text` (one line) and `MultilineText` (a note) refuse control characters (a note keeps tabs and
line breaks), bidirectional controls, and values of only invisible characters, with a message
naming the character; they store text NFC-normalised; and their OpenAPI `pattern` says exactly
what they accept, so a schema fuzzer never generates a value they refuse.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from servicekit.types import MULTILINE_TEXT_PATTERN, TEXT_PATTERN, MultilineText, Text


class Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Text = Field(min_length=1, max_length=100)
    place: Text | None = None
    note: MultilineText | None = Field(default=None, max_length=2000)


def refusal(**fields: object) -> str:
    with pytest.raises(ValidationError) as caught:
        Form.model_validate({"name": "Ann", **fields})
    [error] = caught.value.errors()
    return f"{'.'.join(map(str, error['loc']))}: {error['msg']}"


@pytest.mark.parametrize(
    "value",
    ["An\x00n", "A\x07nn", "Ann\x7f", "A\x85nn", "A\x9bnn", "An\nn", "An\tn", "A\rnn", "A\x1bnn"],
)
def test_control_characters_are_refused_in_one_line_text(value: str) -> None:
    message = refusal(name=value)
    assert message.startswith("name: Value error, contains a control character (U+")


@pytest.mark.parametrize(
    "value",
    [
        *("\u202eevil.exe", "a\u202ab", "a\u202bb", "a\u202cb", "a\u202db", "\u2066x"),
        *("x\u2069", "x\u2067y", "x\u2068y", "Ann\u200e", "\u200fAnn", "Ann\u061c"),
    ],
)
def test_bidirectional_controls_are_refused(value: str) -> None:
    assert "bidirectional control" in refusal(name=value)
    assert "bidirectional control" in refusal(note=value)
    assert "bidirectional control" in refusal(place=value)


@pytest.mark.parametrize(
    "value",
    [
        *(
            "\u200b \u200b",
            "\u200b",
            "\u200b\u200c\u200d",
            "\ufeff",
            "\u2060",
            "\u2800\u00a0\u3164",
            "\u3164",
        ),
        *("\u2800", "\u00ad", "\u034f", "\ufe0f", "\u2062", "\u180e"),
    ],
)
def test_only_invisible_characters_are_refused(value: str) -> None:
    assert "only spaces or invisible characters" in refusal(name=value)
    assert "only spaces or invisible characters" in refusal(place=value)


def test_a_note_keeps_its_tabs_and_line_breaks_but_not_other_controls() -> None:
    note = "Called at 10:30.\n\tNo answer; left a message.\nWill try again."
    assert Form(name="Ann", note=note).note == note
    assert "only spaces or invisible characters" in refusal(note="\u200b\n\t\n\u200b")
    message = refusal(note="line one\x0bline two")  # a vertical tab is not a line break
    assert "U+000B" in message and "tabs and line breaks are allowed" in message
    assert "U+0000" in refusal(note="a\x00b")


def test_a_note_typed_with_windows_or_old_mac_line_breaks_is_kept_with_line_feeds() -> None:
    assert Form(name="Ann", note="line one\r\nline two\rthree").note == (
        "line one\nline two\nthree"
    )
    assert "U+000D" in refusal(name="Ann\r\nSmith")  # one-line text has no line breaks


def test_the_message_names_the_character_and_where_it_is() -> None:
    assert refusal(name="Jo\u202ehn") == (
        "name: Value error, contains a bidirectional control (U+202E RIGHT-TO-LEFT OVERRIDE) at "
        "position 3, which shows the text in another order than it is stored; remove it"
    )


@pytest.mark.parametrize(
    "value",
    [
        "Ann",
        "Zoë Ní Bhriain",
        "O'Brien-Smythe",
        "محمد",  # right-to-left script itself is fine; only the controls are refused
        "שרה",
        "李小龍",
        "Ανδρέας",
        "Пётр",
        "नमस्ते",  # with combining marks
        "می\u200cخواهم",  # Persian with a zero-width non-joiner inside  # noqa: RUF001
        "👩\u200d👩\u200d👧",
        "a b",
    ],
)
def test_text_a_person_types_is_accepted(value: str) -> None:
    assert Form(name=value).name == unicodedata.normalize("NFC", value)


def test_names_are_stored_nfc_normalised() -> None:
    decomposed = "Zoe\u0308 Rene\u0301e"  # e + combining diaeresis, e + combining acute
    assert Form(name=decomposed).name == "Zoë Renée"
    assert Form(name=decomposed).name == Form(name="Zoë Renée").name
    assert Form(name="Ann", note="cafe\u0301").note == "café"


def test_empty_text_is_left_to_the_fields_min_length() -> None:
    assert Form(name="Ann", place="").place == ""
    assert "at least 1 character" in refusal(name="")
    assert "at least 1 character" in refusal(name="   ")  # stripped to nothing


def test_a_lone_surrogate_is_refused() -> None:
    assert "unicode" in refusal(name="Ann\ud800")


def test_the_rule_is_the_fields_pattern_in_the_json_schema() -> None:
    properties = Form.model_json_schema()["properties"]
    assert properties["name"]["pattern"] == TEXT_PATTERN
    assert properties["name"]["maxLength"] == 100
    [place, _null] = properties["place"]["anyOf"]
    assert place["pattern"] == TEXT_PATTERN
    [note, _null] = properties["note"]["anyOf"]
    assert note["pattern"] == MULTILINE_TEXT_PATTERN and note["maxLength"] == 2000


class Plain(BaseModel):
    """The types alone: no stripping or length limit of a model around them."""

    line: Text | None = None
    lines: MultilineText | None = None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(TEXT_PATTERN, fullmatch=True))
def test_whatever_the_one_line_pattern_allows_is_accepted(value: str) -> None:
    assert Plain(line=value).line == unicodedata.normalize("NFC", value)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(MULTILINE_TEXT_PATTERN, fullmatch=True))
def test_whatever_the_multiline_pattern_allows_is_accepted(value: str) -> None:
    kept = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    assert Plain(lines=value).lines == kept


@settings(max_examples=500)
@given(st.text(max_size=12))
def test_the_types_refuse_exactly_what_their_patterns_refuse(value: str) -> None:
    normalised = unicodedata.normalize("NFC", value)
    for field, pattern in (("line", TEXT_PATTERN), ("lines", MULTILINE_TEXT_PATTERN)):
        try:
            Plain.model_validate({field: value})
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == (re.fullmatch(pattern, normalised) is not None), (field, value)


def test_the_pattern_reads_the_same_as_an_ecmascript_pattern() -> None:
    # only \uXXXX escapes and plain ranges: no Python-only syntax (\A, \Z, (?...), \p)
    for pattern in (TEXT_PATTERN, MULTILINE_TEXT_PATTERN):
        assert pattern.startswith("^") and pattern.endswith("$")
        assert "(?" not in pattern and "\\A" not in pattern and "\\p" not in pattern
        assert re.sub(r"\\u[0-9a-f]{4}", "", pattern).replace("-", "") == "^([^]*[^][^]*)?$"
