"""The engagement status from the drug service's events: the same events in any order, any
number of times, end in the same state, with one `referral.closed.v1`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.vocabulary import EngagementStage, ReferralOutcome, ReferralStatus
from referral_api.config import Settings
from referral_api.outcomes.service import add_months
from referral_api.referrals.engagement import Step
from servicekit.db import Database

from ..helpers import outbox_events, rows
from .engagement_helpers import (
    SUBMITTED,
    Action,
    Withdrawal,
    assessed,
    booked,
    case_not_engaged,
    completed,
    consumer_of,
    contacted,
    intervention_not_engaged,
    new_referral,
    perform,
    state_of,
)

pytestmark = pytest.mark.db

S = ReferralStatus
CONTACTED = SUBMITTED + timedelta(hours=2)
ASSESSED = SUBMITTED + timedelta(days=1)
BOOKED = ASSESSED + timedelta(minutes=1)


@dataclass(frozen=True)
class Journey:
    """A realistic sequence of what happens to one referral, and where it must end."""

    name: str
    actions: Callable[[uuid.UUID], list[Action]]
    steps: list[tuple[ReferralStatus, datetime]]  # the timeline after submission
    outcome: ReferralOutcome
    bar_from: datetime | None  # when the bar starts, if the end sets one


JOURNEYS = [
    Journey(
        "completed",
        lambda r: [
            contacted(r, CONTACTED),
            assessed(r, ASSESSED),
            booked(r, BOOKED),
            completed(r, SUBMITTED + timedelta(days=6)),
        ],
        [
            (S.contacted, CONTACTED),
            (S.assessed, ASSESSED),
            (S.booked, BOOKED),
            (S.completed, SUBMITTED + timedelta(days=6)),
        ],
        ReferralOutcome.completed,
        None,
    ),
    Journey(
        "rebooked, then completed",
        lambda r: [
            contacted(r, CONTACTED),
            assessed(r, ASSESSED),
            booked(r, BOOKED),
            booked(r, BOOKED + timedelta(days=4)),  # a rebooking: the first booking's time stays
            completed(r, SUBMITTED + timedelta(days=9)),
        ],
        [
            (S.contacted, CONTACTED),
            (S.assessed, ASSESSED),
            (S.booked, BOOKED),
            (S.completed, SUBMITTED + timedelta(days=9)),
        ],
        ReferralOutcome.completed,
        None,
    ),
    Journey(
        "never answered the phone",
        lambda r: [case_not_engaged(r, SUBMITTED + timedelta(days=28))],
        [(S.not_engaged, SUBMITTED + timedelta(days=28))],
        ReferralOutcome.not_engaged,
        SUBMITTED + timedelta(days=28),
    ),
    Journey(
        "contacted, not engaged, then a stray booking",
        lambda r: [
            contacted(r, CONTACTED),
            case_not_engaged(r, SUBMITTED + timedelta(days=28), EngagementStage.contacted),
            booked(r, SUBMITTED + timedelta(days=29)),  # after the end: changes nothing
        ],
        [(S.contacted, CONTACTED), (S.not_engaged, SUBMITTED + timedelta(days=28))],
        ReferralOutcome.not_engaged,
        SUBMITTED + timedelta(days=28),
    ),
    Journey(
        "missed the sessions",
        lambda r: [
            contacted(r, CONTACTED),
            assessed(r, ASSESSED),
            booked(r, BOOKED),
            intervention_not_engaged(r, SUBMITTED + timedelta(days=20)),
        ],
        [
            (S.contacted, CONTACTED),
            (S.assessed, ASSESSED),
            (S.booked, BOOKED),
            (S.not_engaged, SUBMITTED + timedelta(days=20)),
        ],
        ReferralOutcome.not_engaged,
        SUBMITTED + timedelta(days=20),
    ),
    Journey(
        "withdrawn after the booking",
        lambda r: [
            contacted(r, CONTACTED),
            assessed(r, ASSESSED),
            booked(r, BOOKED),
            Withdrawal(ASSESSED + timedelta(hours=3)),
        ],
        [
            (S.contacted, CONTACTED),
            (S.assessed, ASSESSED),
            (S.booked, BOOKED),
            (S.withdrawn, ASSESSED + timedelta(hours=3)),
        ],
        ReferralOutcome.withdrawn,
        None,
    ),
    Journey(
        "withdrawn before the booking was made",
        lambda r: [
            contacted(r, CONTACTED),
            assessed(r, ASSESSED),
            Withdrawal(ASSESSED + timedelta(minutes=30)),
            booked(r, ASSESSED + timedelta(hours=1)),
        ],
        [
            (S.contacted, CONTACTED),
            (S.assessed, ASSESSED),
            (S.withdrawn, ASSESSED + timedelta(minutes=30)),
        ],
        ReferralOutcome.withdrawn,
        None,
    ),
]


@pytest.fixture
async def database(referral_settings: Settings) -> AsyncIterator[Database]:
    db = Database(referral_settings.database_url, cipher=referral_settings.field_cipher())
    yield db
    await db.dispose()


@settings(
    max_examples=60,
    deadline=None,
    # one database for every example: each example has a referral of its own
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
async def test_any_order_and_any_redelivery_end_in_the_same_state(
    data: st.DataObject, database: Database, referral_database: str
) -> None:
    journey = data.draw(st.sampled_from(JOURNEYS), label="journey")
    referral_id = await new_referral(database)
    actions = journey.actions(referral_id)
    repeats = data.draw(st.lists(st.sampled_from(actions), max_size=4), label="repeats")
    order = data.draw(st.permutations(actions + repeats), label="order")
    consumer = consumer_of(database)
    for action in order:
        await perform(database, consumer, referral_id, action)

    referral, steps = await state_of(database, referral_id)
    end_status, end_at = journey.steps[-1]
    assert referral.status == end_status
    assert referral.outcome == journey.outcome
    assert referral.closed_at == end_at
    assert steps == [Step(S.submitted, SUBMITTED), *(Step(s, at) for s, at in journey.steps)]
    closed = [
        e
        for e in await outbox_events(referral_database, "referral.closed.v1")
        if e["subject"] == str(referral_id)
    ]
    assert [e["data"]["outcome"] for e in closed] == [journey.outcome.value]
    bars = await rows(
        referral_database,
        "SELECT expires_at FROM bars WHERE referral_id = :id",
        id=str(referral_id),
    )
    if journey.bar_from is None:
        assert bars == []
    else:
        assert len(bars) == 1
        assert closed[0]["data"]["bar_expires_at"] is not None
        expires = datetime.fromisoformat(closed[0]["data"]["bar_expires_at"])
        assert expires == add_months(journey.bar_from, 12)  # the demonstration force: 12 months


async def test_the_status_is_the_furthest_step_while_open(
    database: Database, referral_database: str
) -> None:
    referral_id = await new_referral(database)
    consumer = consumer_of(database)
    await perform(database, consumer, referral_id, booked(referral_id, BOOKED))
    await perform(database, consumer, referral_id, contacted(referral_id, CONTACTED))
    referral, steps = await state_of(database, referral_id)
    assert referral.status == S.booked and referral.closed_at is None
    assert [s.status for s in steps] == [S.submitted, S.contacted, S.booked]
    assert await outbox_events(referral_database, "referral.closed.v1") == []


async def test_an_event_of_another_force_is_dead_lettered_and_changes_nothing(
    database: Database,
) -> None:
    referral_id = await new_referral(database)
    consumer = consumer_of(database)
    event = completed(referral_id, SUBMITTED + timedelta(days=6))
    foreign = event.model_copy(update={"forceid": "northshire"})
    from servicekit.inbox import PermanentFailure

    from .engagement_helpers import HANDLERS

    with pytest.raises(PermanentFailure, match="names force 'northshire'"):
        await consumer.apply(foreign, HANDLERS[foreign.type], subject=foreign.type)
    referral, _ = await state_of(database, referral_id)
    assert referral.status == S.submitted and referral.closed_at is None


async def test_an_event_for_a_referral_not_here_changes_nothing(database: Database) -> None:
    consumer = consumer_of(database)
    missing = uuid.uuid4()
    assert await perform(database, consumer, missing, contacted(missing, CONTACTED)) == "applied"
