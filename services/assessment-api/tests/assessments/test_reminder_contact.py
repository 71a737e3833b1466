"""The reminder contact in assessment.completed.v1: what scheduling-api needs to remind the
person of a session, sealed to its public key, so the bus and the outbox see only ciphertext; and
a deployment without scheduling's key, which publishes the event without it."""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import text

from assessment_api.assessments.schemas import example_assessment
from assessment_api.config import Settings
from assessment_api.main import create_app
from contracts.events.v1 import AssessmentCompleted, ContactDetails, ReminderContact
from contracts.sealed import SealedFieldError, open_sealed

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db

UNSET_WARNING = "ASSESSMENT_SCHEDULING_PUBLIC_KEY is not set"


async def completed_event(desk: Desk, **case: Any) -> AssessmentCompleted:
    case_id = await desk.contacted_case(**case)
    assert (await desk.save(case_id, copy.deepcopy(example_assessment()))).status_code == 200
    completed = await desk.complete(case_id)
    assert completed.status_code == 201, completed.text
    [event] = await desk.events("assessment.completed.v1")
    assert isinstance(event.data, AssessmentCompleted)
    return event.data


async def outbox_text(desk: Desk) -> str:
    """Every outbox row's payload as stored, read past the ORM."""
    async with desk.runtime.db.engine.connect() as conn:
        return "\n".join((await conn.execute(text("SELECT payload FROM outbox"))).scalars())


async def test_the_completed_event_carries_the_reminder_contact_sealed_to_scheduling(
    desk: Desk, scheduling_keypair: tuple[str, str], assessment_keypair: tuple[str, str]
) -> None:
    data = await completed_event(desk)
    sealed = data.reminder_contact
    assert sealed is not None
    assert sealed.kid == "scheduling-1"
    opened = ReminderContact.model_validate_json(
        open_sealed(sealed, private_key=scheduling_keypair[0])
    )
    # the case's details (conftest CONTACT), only what reminders need
    assert opened == ReminderContact(
        given_name="Jordan",
        phone="07700 900123",
        email="jordan.ow@example.org",
        preferred_language="pl",
        interpreter_needed=True,
        easy_read=False,
    )
    # sealed to scheduling-api alone: not even this service's own key opens it
    with pytest.raises(SealedFieldError):
        open_sealed(sealed, private_key=assessment_keypair[0])

    [event] = await desk.events("assessment.completed.v1")
    stored = await outbox_text(desk)
    assert "reminder_contact" in stored and sealed.ciphertext in stored
    for clear in ("Jordan", "07700 900123", "jordan.ow@example.org", "Okafor-Whitby"):
        assert clear not in event.to_json().decode()
        assert clear not in stored


async def test_the_reminder_contact_is_this_persons_as_the_case_holds_it(
    desk: Desk, scheduling_keypair: tuple[str, str]
) -> None:
    contact = ContactDetails(
        given_name="Siân",
        family_name="Pritchard",
        date_of_birth=date(1998, 2, 3),
        email="sian.p@example.org",
        preferred_language="cy",
        easy_read=True,
    )
    data = await completed_event(desk, contact=contact)
    assert data.reminder_contact is not None
    opened = open_sealed(data.reminder_contact, private_key=scheduling_keypair[0])
    assert ReminderContact.model_validate_json(opened) == ReminderContact(
        given_name="Siân",
        phone=None,
        email="sian.p@example.org",
        preferred_language="cy",
        interpreter_needed=False,
        easy_read=True,
    )
    assert "Siân" not in await outbox_text(desk)


@asynccontextmanager
async def desk_for(desk: Desk, settings: Settings) -> AsyncIterator[Desk]:
    """A desk like `desk` over an app of its own, made from `settings`."""
    application = create_app(settings, start_background=False)
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://assessment-api") as client:
        yield type(desk)(application, client, desk.auth, desk.public_key)
    await application.state.runtime.db.dispose()


async def test_without_a_scheduling_key_the_event_leaves_the_field_out_and_start_warns_once(
    desk: Desk, assessment_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # a deployment without scheduling
    settings = assessment_settings.model_copy(update={"scheduling_public_key": None})
    with caplog.at_level(logging.WARNING, logger="assessment_api"):
        async with desk_for(desk, settings) as unscheduled:
            for _ in range(2):
                case_id = await unscheduled.contacted_case()
                await unscheduled.save(case_id, copy.deepcopy(example_assessment()))
                assert (await unscheduled.complete(case_id)).status_code == 201
            events = await unscheduled.events("assessment.completed.v1")
            stored = await outbox_text(unscheduled)
    assert len(events) == 2
    for event in events:
        assert isinstance(event.data, AssessmentCompleted)
        assert event.data.reminder_contact is None
        assert "reminder_contact" not in event.to_json().decode()
    assert "reminder_contact" not in stored
    # said once, when the service starts, not at each completion
    warnings = [r for r in caplog.records if UNSET_WARNING in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "reminders" in warnings[0].getMessage()


async def test_with_a_scheduling_key_start_does_not_warn(
    desk: Desk, assessment_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="assessment_api"):
        async with desk_for(desk, assessment_settings):
            pass
    assert not [r for r in caplog.records if UNSET_WARNING in r.getMessage()]


def test_an_empty_scheduling_key_is_not_configured(assessment_settings: Settings) -> None:
    # an environment variable or a Secret's value left empty
    settings = Settings(**{**assessment_settings.model_dump(), "scheduling_public_key": ""})
    assert settings.scheduling_public_key is None


@pytest.mark.parametrize("bad", ["not-a-key", "AAAA", "x" * 42])
def test_a_malformed_scheduling_key_is_refused_naming_the_setting(
    assessment_settings: Settings, bad: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**{**assessment_settings.model_dump(), "scheduling_public_key": bad})
    [error] = refused.value.errors()
    assert error["loc"] == ("scheduling_public_key",)
    assert "X25519 public key" in error["msg"]
