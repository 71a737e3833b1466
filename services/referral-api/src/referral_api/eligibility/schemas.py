"""Eligibility check requests and responses, validated at the boundary."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictBool, StringConstraints

from referral_api.eligibility.rules import Decision
from referral_api.people.schemas import PersonIdentity
from referral_api.schemas import PastDate, Strict

Answers = dict[Annotated[str, StringConstraints(max_length=64)], StrictBool]


class EligibilityCheckIn(Strict):
    person: PersonIdentity
    encounter_date: PastDate | None = Field(
        default=None, description="The day of the encounter; today when omitted."
    )
    answers: Answers = Field(default_factory=dict, max_length=40)


class EligibilityCheckOut(Decision):
    pass


def example_eligibility_check() -> dict[str, Any]:
    """A person the demonstration force finds eligible, with every question answered."""
    return {
        "person": {"given_name": "Jordan", "family_name": "Example", "date_of_birth": "1998-04-12"},
        "answers": {
            "personal_use_only": True,
            "supply_indicators": False,
            "other_offence_needs_arrest": False,
            "agrees_to_engage": True,
            "consents_to_share_contact": True,
        },
    }
