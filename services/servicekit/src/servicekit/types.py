"""Field types for request bodies and queries that refuse silent coercion.

Pydantic's lax mode turns 0 into 1970-01-01 and "yes" into true. A person's birth date or an
officer's answer must arrive exactly as written, so these types accept only ISO 8601 text for
dates and times, JSON numbers for quantities, and JSON booleans for answers.

Free text (`Text` on one line: names, places, references, reasons; `MultilineText`: notes) is
what a person typed, and only that: no control characters (a note may hold tabs and line
breaks), no bidirectional controls that show text in another order than it is stored, and not
only invisible characters. It is stored NFC-normalised, so the same name typed on two keyboards
is the same name. The rule is the field's `pattern` in OpenAPI too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    GetJsonSchemaHandler,
    Strict,
    StrictBool,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("enter a date as YYYY-MM-DD, like 1998-04-12")
    return value


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise ValueError(
            "enter a date and time in ISO 8601 with a timezone, like 2026-11-26T10:30Z"
        )
    return value


def _query_flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("use true or false")


def _json_integer(value: Any) -> Any:
    """JSON Schema's integer: a number without a fraction, 5.0 as much as 5; never "5"."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _json_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("enter a number")
    return value


# Character classes of free text, as regular-expression ranges both Python and ECMA-262 (OpenAPI's
# `pattern`) read alike. Controls: C0 (tab, line feed and carriage return apart, for multi-line
# text: a note typed on Windows ends its lines CR LF), DEL, C1.
_CONTROLS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
_LINE_CONTROLS = r"\u0009\u000a\u000d"
# Bidirectional controls: the embeddings and overrides, the isolates, and the invisible marks
# (LRM, RLM, ALM), which also make two names that look alike differ.
_BIDI = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Characters that show nothing on their own: spaces, zero-width and other format characters,
# variation selectors, and the fillers that pass for letters.
_INVISIBLE = (
    r"\u0020\u00a0\u00ad\u034f\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f\u2000-\u200d"
    r"\u2028\u2029\u202f\u205f-\u2065\u206a-\u206f\u2800\u3000\u3164\ufe00-\ufe0f\ufeff"
    r"\uffa0\ufff0-\ufffb"
)


def _free_text_pattern(multiline: bool) -> str:
    refused = _CONTROLS + _BIDI + ("" if multiline else _LINE_CONTROLS)
    blank = _INVISIBLE + (_LINE_CONTROLS if multiline else "")
    # no refused character anywhere, and at least one that is not blank; or nothing at all, which
    # a field's min_length refuses where it needs text (and an optional field may be sent empty)
    return f"^([^{refused}]*[^{refused}{blank}][^{refused}]*)?$"


def _codepoint(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


@dataclass(frozen=True)
class _FreeText:
    """The check of one kind of free text, and its `pattern` in the JSON Schema."""

    multiline: bool

    @property
    def pattern(self) -> str:
        return _free_text_pattern(self.multiline)

    def __call__(self, value: str) -> str:
        value = unicodedata.normalize("NFC", value)
        if re.fullmatch(self.pattern, value):
            # one kind of line break is stored, whatever the typist's system sends
            return value.replace("\r\n", "\n").replace("\r", "\n") if self.multiline else value
        controls = re.compile(f"[{_CONTROLS}{'' if self.multiline else _LINE_CONTROLS}]")
        found = controls.search(value)
        if found:
            allowed = "tabs and line breaks" if self.multiline else "no line breaks or tabs"
            raise ValueError(
                f"contains a control character ({_codepoint(found.group())}) at position "
                f"{found.start() + 1}; remove it ({allowed} are allowed here)"
            )
        found = re.search(f"[{_BIDI}]", value)
        if found:
            raise ValueError(
                f"contains a bidirectional control ({_codepoint(found.group())}) at position "
                f"{found.start() + 1}, which shows the text in another order than it is "
                "stored; remove it"
            )
        raise ValueError("has only spaces or invisible characters; enter the text itself")

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        return json_schema


_ONE_LINE = _FreeText(multiline=False)
_LINES = _FreeText(multiline=True)

IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime)]
Number = Annotated[float, BeforeValidator(_json_number)]
Flag = Annotated[bool, Strict()]  # a JSON true or false, never 1 or "yes"
Count = Annotated[int, Strict(), BeforeValidator(_json_integer)]  # 5 or 5.0, never "5" or 5.5
QueryFlag = Annotated[bool, BeforeValidator(_query_flag)]  # ?overdue=true, never ?overdue=1

# Free text: a name, place, reference or reason on one line; a note over several.
Text = Annotated[str, AfterValidator(_ONE_LINE), _ONE_LINE]
MultilineText = Annotated[str, AfterValidator(_LINES), _LINES]
TEXT_PATTERN = _ONE_LINE.pattern
MULTILINE_TEXT_PATTERN = _LINES.pattern

__all__ = [
    "MULTILINE_TEXT_PATTERN",
    "TEXT_PATTERN",
    "Count",
    "Flag",
    "IsoDate",
    "IsoDateTime",
    "MultilineText",
    "Number",
    "QueryFlag",
    "StrictBool",
    "Text",
]
