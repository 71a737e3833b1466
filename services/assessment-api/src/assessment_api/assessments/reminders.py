"""The reminder contact: what scheduling-api needs to remind the person of a session (the given
name, phone, email and language needs), sealed to its public key for assessment.completed.v1, so
the bus, the outbox and every other consumer see only ciphertext."""

from __future__ import annotations

from assessment_api.cases.models import Case
from assessment_api.config import Settings
from contracts.events.v1 import ReminderContact
from contracts.sealed import SealedField, seal


def sealed_reminder_contact(settings: Settings, case: Case) -> SealedField | None:
    """The case's reminder contact sealed to scheduling-api; None without its key configured."""
    if settings.scheduling_public_key is None:
        return None
    contact = ReminderContact(
        given_name=case.given_name,
        phone=case.phone,
        email=case.email,
        preferred_language=case.preferred_language,
        interpreter_needed=case.interpreter_needed,
        easy_read=case.easy_read,
    )
    return seal(
        contact.model_dump_json().encode(),
        public_key=settings.scheduling_public_key,
        kid=settings.scheduling_key_id,
    )
