"""The problems referral-api raises, each with a message an officer or integrator can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from servicekit.problems import Problem

if TYPE_CHECKING:
    from referral_api.eligibility.rules import RuleSet


def force_not_configured(force_id: str) -> Problem:
    return Problem(
        403,
        "force-not-configured",
        "Your force is not set up for diversion",
        f"Force {force_id!r} has no diversion scheme configured here. Ask your administrator.",
    )


def unknown_answers(unknown: list[str], *, field: str, known: list[str]) -> Problem:
    return Problem(
        422,
        "validation",
        "Some answers need correcting",
        f"Unknown eligibility question(s): {', '.join(unknown)}. Known: {', '.join(known)}.",
        errors=[
            {"field": f"{field}.{name}", "message": "is not a question of your force's rule set"}
            for name in unknown
        ],
    )


def invalid_field(field: str, message: str) -> Problem:
    return Problem(
        422,
        "validation",
        "Some answers need correcting",
        f"Please correct: {field}.",
        errors=[{"field": field, "message": message}],
    )


def referral_not_found() -> Problem:
    return Problem(
        404,
        "referral-not-found",
        "Referral not found",
        "There is no referral with that id that you can see.",
    )


def not_eligible(reasons: list[str], not_before: str | None, rule_set_version: str) -> Problem:
    detail = "; ".join(reasons) if reasons else "not eligible"
    extra: dict[str, object] = {"reasons": reasons, "rule_set_version": rule_set_version}
    if not_before:
        extra["not_before"] = not_before
    return Problem(
        422,
        "not-eligible",
        "Not eligible for diversion",
        detail[:1].upper() + detail[1:] + ".",
        extra=extra,
    )


# Why a closed referral can no longer be withdrawn, by how it closed (decision 0013).
_CLOSED_BECAUSE = {
    "completed": "The person completed the intervention, so the referral is closed as completed "
    "and its outcome recorded for the crime record.",
    "not_engaged": "The person did not engage with the drug service, so the referral is closed "
    "as not engaged and its outcome recorded for the crime record.",
    "withdrawn": "The referral was already withdrawn.",
}


def referral_closed(status: str) -> Problem:
    because = _CLOSED_BECAUSE.get(status, f"The referral is {status.replace('_', ' ')}.")
    return Problem(
        409,
        "referral-closed",
        "Referral already closed",
        f"{because} A closed referral can no longer be withdrawn.",
        extra={"referral_status": status},
    )


def unanswered_questions(rule_set: RuleSet, answers: dict[str, bool | None]) -> Problem:
    missing = [q for q in rule_set.questions if answers.get(q.id) is None]
    return Problem(
        422,
        "validation",
        "Some answers need correcting",
        "Answer every eligibility question: " + " ".join(q.text for q in missing),
        errors=[{"field": f"answers.{q.id}", "message": f"answer: {q.text}"} for q in missing],
    )


def client_not_found() -> Problem:
    return Problem(
        404,
        "integration-client-not-found",
        "Integration client not found",
        "There is no integration client with that id in your force(s).",
    )


def client_already_registered(existing: str) -> Problem:
    return Problem(
        409,
        "integration-client-registered",
        "Client already registered",
        f"This client id at this issuer is already registered as {existing}: suspend, reinstate "
        "or revoke that registration instead. A revoked client stays revoked; have the force's "
        "identity provider issue a new client id and register that.",
    )


def client_revoked_for_good() -> Problem:
    return Problem(
        409,
        "integration-client-revoked",
        "Client revoked",
        "This client was revoked, which is final: have the force's identity provider issue a new "
        "client id and register that.",
    )


def client_refused(status: str, client_id: str, issuer: str, *, reason: str | None) -> Problem:
    """A token of a client that is not (or no longer) let in, telling its operator what to do."""
    if status == "unregistered":
        return Problem(
            403,
            "integration-client-not-registered",
            "Client not registered",
            f"Client {client_id!r} of issuer {issuer!r} is not registered here: ask the "
            "deployment's administrator to register it for your force with the scopes it needs.",
        )
    because = f" ({reason})" if reason else ""
    if status == "suspended":
        return Problem(
            403,
            "integration-client-suspended",
            "Client suspended",
            f"Client {client_id!r} is suspended{because}: ask your force's administrator to "
            "reinstate it.",
        )
    return Problem(
        403,
        "integration-client-revoked",
        "Client revoked",
        f"Client {client_id!r} was revoked{because}, for good: have your force's identity "
        "provider issue a new client id and ask the administrator to register it.",
    )


def client_of_another_force(client_force: str, token_forces: list[str]) -> Problem:
    return Problem(
        403,
        "integration-client-force",
        "Token for another force",
        f"This client is registered for force {client_force!r}, but its token names "
        f"{', '.join(token_forces) or 'no force'}: ask your identity provider for a token for "
        f"{client_force!r}.",
    )


def webhook_not_found() -> Problem:
    return Problem(
        404,
        "webhook-not-found",
        "Webhook endpoint not found",
        "There is no webhook endpoint with that id for your force.",
    )


def webhook_url_refused(reason: str) -> Problem:
    return Problem(
        422,
        "validation",
        "Some answers need correcting",
        "Please correct: url.",
        errors=[{"field": "url", "message": reason}],
    )


def delivery_not_found() -> Problem:
    return Problem(
        404,
        "delivery-not-found",
        "Delivery not found",
        "This webhook endpoint has no delivery with that id.",
    )


def delivery_still_pending() -> Problem:
    return Problem(
        409,
        "delivery-pending",
        "Delivery still being tried",
        "This message is still waiting for its next attempt; redeliver it once it has been "
        "delivered or given up.",
    )
