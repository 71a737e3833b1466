"""The problems assessment-api raises, each with a message a worker or integrator can act on."""

from __future__ import annotations

from servicekit.problems import Problem


def invalid_field(field: str, message: str, *, detail: str | None = None) -> Problem:
    return Problem(
        422,
        "validation",
        "Some answers need correcting",
        detail or f"Please correct: {field}.",
        errors=[{"field": field, "message": message}],
    )


def invalid_fields(errors: list[dict[str, str]], *, slug: str, title: str, detail: str) -> Problem:
    return Problem(422, slug, title, detail, errors=errors)


def case_not_found() -> Problem:
    return Problem(
        404, "case-not-found", "Case not found", "There is no case with that id that you can see."
    )


def safeguarding_referral_not_found() -> Problem:
    return Problem(
        404,
        "safeguarding-referral-not-found",
        "Safeguarding referral not found",
        "There is no safeguarding referral with that id that you can see.",
    )


def case_conflict(detail: str, *, slug: str = "case-state") -> Problem:
    return Problem(409, slug, "Not possible in the case's current state", detail)


def no_provider() -> Problem:
    return Problem(
        403,
        "no-provider",
        "Your token names no provider",
        "Workers' tokens must name the provider they work for; ask your administrator.",
    )


def assessment_not_found() -> Problem:
    return Problem(
        404,
        "assessment-not-found",
        "No assessment yet",
        "No assessment has been saved for this case yet.",
    )
