"""The v1 catalogue: every event of events.md modelled, routed to one stream, and round-tripping."""

from __future__ import annotations

import inspect
import json

import jsonschema_rs
import pytest
from pydantic import BaseModel, ValidationError

from contracts import (
    EVENT_TYPES,
    STREAMS,
    CloudEvent,
    EventData,
    UnknownEventType,
    parse_event,
    stream_for,
)
from contracts.events import v1
from contracts.generate import SCHEMA_DIR
from contracts.subjects import subject_matches

# The producers in /work/shared/design/events.md, the catalogue the services agreed on.
CATALOGUE = {
    "referral.submitted.v1": "referral-api",
    "referral.withdrawn.v1": "referral-api",
    "referral.closed.v1": "referral-api",
    "case.contacted.v1": "assessment-api",
    "assessment.completed.v1": "assessment-api",
    "case.not_engaged.v1": "assessment-api",
    "safeguarding.raised.v1": "assessment-api",
    "support.referred.v1": "assessment-api",
    "session.booked.v1": "scheduling-api",
    "session.attended.v1": "scheduling-api",
    "session.missed.v1": "scheduling-api",
    "intervention.completed.v1": "scheduling-api",
    "intervention.not_engaged.v1": "scheduling-api",
}


def test_every_event_of_the_catalogue_is_modelled() -> None:
    assert sorted(EVENT_TYPES) == sorted(CATALOGUE)
    for event_type, envelope in EVENT_TYPES.items():
        data_model = envelope.model_fields["data"].annotation
        assert isinstance(data_model, type) and issubclass(data_model, EventData)
        assert data_model.event_type == event_type


@pytest.mark.parametrize("event_type", sorted(CATALOGUE))
def test_each_type_is_captured_by_exactly_one_stream_of_its_producer(event_type: str) -> None:
    capturing = [s for s in STREAMS if any(subject_matches(p, event_type) for p in s.subjects)]
    assert len(capturing) == 1
    assert stream_for(event_type) == capturing[0]
    assert capturing[0].producer == CATALOGUE[event_type]


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("referral.>", "referral.submitted.v1", True),
        ("referral.>", "referral", False),
        ("referral.>", "referrals.submitted.v1", False),
        ("case.*.v1", "case.contacted.v1", True),
        ("case.*.v1", "case.contacted.v2", False),
        ("case.*", "case.contacted.v1", False),
    ],
)
def test_subject_patterns_follow_nats_wildcards(pattern: str, subject: str, expected: bool) -> None:
    assert subject_matches(pattern, subject) is expected


def test_a_subject_no_stream_captures_is_refused() -> None:
    with pytest.raises(KeyError, match="no stream captures"):
        stream_for("billing.invoiced.v1")


@pytest.mark.parametrize("event_type", sorted(CATALOGUE))
def test_parse_event_round_trips(event_type: str, examples: dict[str, CloudEvent]) -> None:
    event = examples[event_type]
    parsed = parse_event(event.to_json())
    assert type(parsed) is EVENT_TYPES[event_type]
    assert parsed == event


@pytest.mark.parametrize("event_type", sorted(CATALOGUE))
def test_examples_match_the_committed_schema(
    event_type: str, examples: dict[str, CloudEvent]
) -> None:
    schema = json.loads((SCHEMA_DIR / f"{event_type}.json").read_text(encoding="utf-8"))
    validator = jsonschema_rs.validator_for(schema)
    body = json.loads(examples[event_type].to_json())
    assert [error.message for error in validator.iter_errors(body)] == []
    del body["type"]
    assert not validator.is_valid(body), "an event without its type must not validate"


def test_readers_ignore_fields_they_do_not_know(examples: dict[str, CloudEvent]) -> None:
    event = examples["assessment.completed.v1"]
    body = json.loads(event.to_json())
    body["newattribute"] = "from a newer writer"
    body["data"]["recovery_capital_band"] = "high"
    parsed = parse_event(json.dumps(body))
    assert parsed == event
    assert "recovery_capital_band" not in parsed.model_dump_json()


def test_a_completed_assessment_without_a_reminder_contact_still_parses(
    examples: dict[str, CloudEvent],
) -> None:
    # as published before the field existed, or by a deployment with no scheduling key
    body = json.loads(examples["assessment.completed.v1"].to_json())
    del body["data"]["reminder_contact"]
    parsed = parse_event(json.dumps(body))
    assert isinstance(parsed.data, v1.AssessmentCompleted)
    assert parsed.data.reminder_contact is None
    assert "reminder_contact" not in json.loads(parsed.to_json())["data"]


def test_an_unknown_type_is_rejected(examples: dict[str, CloudEvent]) -> None:
    body = json.loads(examples["referral.withdrawn.v1"].to_json())
    body["type"] = "referral.withdrawn.v2"
    with pytest.raises(UnknownEventType, match=r"referral\.withdrawn\.v2"):
        parse_event(json.dumps(body))


def test_a_malformed_event_of_a_known_type_is_not_mistaken_for_an_unknown_one(
    examples: dict[str, CloudEvent],
) -> None:
    body = json.loads(examples["referral.withdrawn.v1"].to_json())
    del body["data"]["reason"]
    with pytest.raises(ValidationError) as raised:
        parse_event(json.dumps(body))
    assert not isinstance(raised.value, UnknownEventType)


# Field names that would mean names, contact details or free text travel in clear.
PERSONAL_OR_FREE_TEXT = (
    "name",
    "phone",
    "email",
    "address",
    "postcode",
    "birth",
    "notes",
    "reason_text",
    "comment",
)


# What travels only inside a sealed field: the contact details for the provider, the reminder
# contact for scheduling.
SEALED_PLAINTEXTS = (v1.ContactDetails, v1.ReminderContact)


def _personal_fields(model: type[BaseModel]) -> set[str]:
    """Fields of `model`, nested models included, named like personal data or free text."""
    schema = model.model_json_schema()
    nodes = [schema, *schema.get("$defs", {}).values()]
    return {
        f"{node.get('title')}.{name}"
        for node in nodes
        for name in node.get("properties", {})
        if any(word in name.lower() for word in PERSONAL_OR_FREE_TEXT)
    }


def test_no_event_carries_names_contact_details_or_free_text() -> None:
    models = [
        model
        for _, model in inspect.getmembers(v1, inspect.isclass)
        if issubclass(model, BaseModel)
        and model.__module__ == v1.__name__
        and model not in SEALED_PLAINTEXTS
    ]
    assert len(models) == 2 * len(CATALOGUE)  # each event's data model and envelope
    assert set().union(*(_personal_fields(model) for model in models)) == set()
    # Contact details travel only sealed: no event embeds a plaintext model.
    for plaintext in SEALED_PLAINTEXTS:
        assert not any(plaintext.__name__ in m.model_json_schema().get("$defs", {}) for m in models)


def test_the_privacy_check_sees_contact_details() -> None:
    assert _personal_fields(v1.ContactDetails) >= {
        "ContactDetails.given_name",
        "ContactDetails.family_name",
        "ContactDetails.date_of_birth",
        "ContactDetails.phone",
        "ContactDetails.email",
        "ContactDetails.postcode",
    }


def test_the_privacy_check_sees_the_reminder_contact() -> None:
    assert _personal_fields(v1.ReminderContact) >= {
        "ReminderContact.given_name",
        "ReminderContact.phone",
        "ReminderContact.email",
    }
