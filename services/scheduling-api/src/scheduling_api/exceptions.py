"""The problems scheduling-api raises, each with a message its caller can act on."""

from __future__ import annotations

from servicekit.problems import Problem


def invalid_field(field: str, message: str) -> Problem:
    return Problem(
        422,
        "validation",
        "Some answers need correcting",
        f"Please correct: {field}.",
        errors=[{"field": field, "message": message}],
    )


def not_found(what: str) -> Problem:
    slug = what.replace(" ", "-")
    return Problem(
        404,
        f"{slug}-not-found",
        f"{what.capitalize()} not found",
        f"There is no {what} with that id that you can see.",
    )


def conflict(detail: str, *, slug: str = "booking-state") -> Problem:
    return Problem(409, slug, "Not possible in the current state", detail)


def not_your_calendar() -> Problem:
    return Problem(
        403,
        "not-your-calendar",
        "Not your calendar",
        "A facilitator takes only their own calendar: ask for the one with your own id, or ask "
        "an administrator.",
    )
