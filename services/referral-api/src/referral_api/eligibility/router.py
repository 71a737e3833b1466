"""Eligibility checks and the rule set the portal evaluates on the phone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from referral_api.days import local_day
from referral_api.db import kit
from referral_api.dependencies import ForceDep, NowDep, SettingsDep
from referral_api.eligibility import service
from referral_api.eligibility.rules import RuleSet
from referral_api.eligibility.schemas import (
    EligibilityCheckIn,
    EligibilityCheckOut,
    example_eligibility_check,
)
from referral_api.people import repository as people_repository
from referral_api.people.identity import person_key
from servicekit.access_log import record_access
from servicekit.app import SessionDep
from servicekit.auth import CurrentPrincipal, Role, Scope, require_roles

router = APIRouter(prefix="/v1", tags=["eligibility"])


@router.post(
    "/eligibility-checks",
    response_model=EligibilityCheckOut,
    dependencies=[require_roles(Role.officer, Role.integration, scope=Scope.eligibility_check)],
)
async def check_eligibility(
    body: Annotated[
        EligibilityCheckIn,
        Body(openapi_examples={"eligible": {"value": example_eligibility_check()}}),
    ],
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    force: ForceDep,
    now: NowDep,
) -> EligibilityCheckOut:
    """Whether the person is eligible, with the reason for each rule. Stores nothing about the
    person: the audit trail records who checked and when, not whom.

    A barred person gets `not_before`, never their history.
    """
    rule_set = force.rule_set
    service.check_answers_known(rule_set, dict(body.answers), "answers")
    encounter_at = service.start_of(body.encounter_date) if body.encounter_date else now
    service.check_birth_date(
        body.person.date_of_birth, local_day(encounter_at), field="person.date_of_birth"
    )
    key = person_key(
        identity_key=settings.identity_key,
        force_id=force.id,
        given_name=body.person.given_name,
        family_name=body.person.family_name,
        date_of_birth=body.person.date_of_birth,
    )
    history = await people_repository.history_on(
        session=session, force_id=force.id, person_key=key, on=encounter_at
    )
    await record_access(
        session,
        kit,
        principal,
        action="read",
        resource_type="eligibility-check",
        resource_id=None,  # not even the person key: a check stores nothing about the person
        force_id=force.id,
        purpose="check eligibility",
    )
    await session.commit()
    decision = service.decide(
        rule_set=rule_set,
        history=history,
        date_of_birth=body.person.date_of_birth,
        encounter_at=encounter_at,
        answers=dict(body.answers),
    )
    return EligibilityCheckOut.model_validate(decision.model_dump())


@router.get(
    "/eligibility-rule-sets/current",
    response_model=RuleSet,
    dependencies=[
        require_roles(
            Role.officer, Role.supervisor, Role.integration, Role.admin, scope=Scope.scheme_read
        )
    ],
)
async def current_rule_set(force: ForceDep) -> RuleSet:
    """The force's active rule set, for evaluating on the device exactly as the server does."""
    return force.rule_set
