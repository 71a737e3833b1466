"""Documented problem responses beyond the kit's defaults."""

from __future__ import annotations

from typing import Any

from servicekit.problems import PROBLEM_JSON, ProblemDetail

CONFLICT = (409, "Not possible in the record's current state (for example the case is closed).")


def problem_responses(*entries: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"description": description, "model": ProblemDetail, "content": {PROBLEM_JSON: {}}}
        for status, description in entries
    }
