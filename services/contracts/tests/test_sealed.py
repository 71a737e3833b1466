"""Sealed fields: only the assessment service's private key opens the contact details, and only
the scheduling service's opens the reminder contact."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from contracts import CloudEvent, parse_event
from contracts.events import v1
from contracts.sealed import (
    ALGORITHM,
    SealedField,
    SealedFieldError,
    generate_keypair,
    open_sealed,
    public_key_of,
    seal,
)

KID = "assessment-2026-01"


def _flip_last_byte(text: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    raw[-1] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.fixture
def sealed(assessment_keys: tuple[str, str]) -> SealedField:
    return seal(b'{"given_name": "Jordan"}', public_key=assessment_keys[1], kid=KID)


def test_round_trip(assessment_keys: tuple[str, str], sealed: SealedField) -> None:
    private, public = assessment_keys
    assert public_key_of(private) == public
    assert (sealed.alg, sealed.kid) == (ALGORITHM, KID)
    assert open_sealed(sealed, private_key=private) == b'{"given_name": "Jordan"}'


def test_contact_details_round_trip_through_the_referral_event(
    assessment_keys: tuple[str, str],
    examples: dict[str, CloudEvent],
    contact_details: v1.ContactDetails,
) -> None:
    event = parse_event(examples["referral.submitted.v1"].to_json())
    assert isinstance(event.data, v1.ReferralSubmitted)
    opened = open_sealed(event.data.contact, private_key=assessment_keys[0])
    assert v1.ContactDetails.model_validate_json(opened) == contact_details


def test_the_reminder_contact_round_trips_through_the_completed_assessment(
    scheduling_keys: tuple[str, str],
    assessment_keys: tuple[str, str],
    examples: dict[str, CloudEvent],
    reminder_contact: v1.ReminderContact,
) -> None:
    event = parse_event(examples["assessment.completed.v1"].to_json())
    assert isinstance(event.data, v1.AssessmentCompleted)
    assert event.data.reminder_contact is not None
    opened = open_sealed(event.data.reminder_contact, private_key=scheduling_keys[0])
    assert v1.ReminderContact.model_validate_json(opened) == reminder_contact
    # sealed to scheduling-api: the assessment service's own key cannot open it
    with pytest.raises(SealedFieldError):
        open_sealed(event.data.reminder_contact, private_key=assessment_keys[0])


def test_the_wrong_private_key_cannot_open_it(sealed: SealedField) -> None:
    other_private, _ = generate_keypair()
    with pytest.raises(SealedFieldError):
        open_sealed(sealed, private_key=other_private)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda s: {"ciphertext": _flip_last_byte(s.ciphertext)}, id="ciphertext"),
        pytest.param(lambda s: {"ciphertext": s.ciphertext[:-8]}, id="truncated"),
        pytest.param(lambda s: {"kid": "assessment-2025-12"}, id="kid"),
        pytest.param(lambda s: {"nonce": _flip_last_byte(s.nonce)}, id="nonce"),
        pytest.param(lambda s: {"epk": _flip_last_byte(s.epk)}, id="epk"),
        pytest.param(lambda s: {"epk": "AAAA"}, id="epk-malformed"),
    ],
)
def test_tampering_is_detected(
    assessment_keys: tuple[str, str],
    sealed: SealedField,
    tamper: Callable[[SealedField], dict[str, str]],
) -> None:
    tampered = sealed.model_copy(update=tamper(sealed))
    with pytest.raises(SealedFieldError):
        open_sealed(tampered, private_key=assessment_keys[0])


def test_the_same_plaintext_seals_differently_each_time(assessment_keys: tuple[str, str]) -> None:
    first = seal(b"same", public_key=assessment_keys[1], kid=KID)
    second = seal(b"same", public_key=assessment_keys[1], kid=KID)
    assert first.ciphertext != second.ciphertext
    assert first.epk != second.epk


def test_the_referral_event_carries_no_contact_detail_in_clear(
    examples: dict[str, CloudEvent], contact_details: v1.ContactDetails
) -> None:
    body = examples["referral.submitted.v1"].to_json().decode()
    clear = [
        contact_details.given_name,
        contact_details.family_name,
        contact_details.date_of_birth.isoformat(),
        contact_details.phone,
        contact_details.email,
        contact_details.postcode,
    ]
    assert all(clear)
    assert [value for value in clear if value and value in body] == []


def test_the_completed_assessment_carries_no_reminder_contact_in_clear(
    examples: dict[str, CloudEvent], reminder_contact: v1.ReminderContact
) -> None:
    body = examples["assessment.completed.v1"].to_json().decode()
    clear = [reminder_contact.given_name, reminder_contact.phone, reminder_contact.email]
    assert all(clear)
    assert [value for value in clear if value and value in body] == []
