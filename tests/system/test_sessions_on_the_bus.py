"""scheduling-api as the scheme runs it: assessments arrive on JetStream as assessment-api
publishes them, and every booking, completion and non-engagement goes back out on the bus.

Each test sets up its own force's course and sessions through the public API, publishes the
events a real assessment-api would, and reads what scheduling-api published from the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from nats.aio.client import Client
from nats.js.api import DeliverPolicy
from sqlalchemy import update

import scheduling_api
from contracts import CloudEvent, new_event, parse_event
from contracts.events.v1 import AssessmentCompleted, ReferralWithdrawn
from contracts.vocabulary import NeedDomain, NeedLevel, Pathway, Substance, WithdrawalReason
from scheduling_api.sessions.models import Session
from servicekit import bus
from servicekit.devidp import ISSUER, DevIdentityProvider
from servicekit_testing.databases import TemplateDatabases
from servicekit_testing.nats import NatsServer, free_port

if TYPE_CHECKING:
    from conftest import Service

Eventually = Callable[..., Awaitable[Any]]

pytestmark = [pytest.mark.db, pytest.mark.nats]


def assessed(
    force: str, *, completed_at: datetime | None = None, referral_id: uuid.UUID | None = None
) -> CloudEvent:
    """An assessment.completed.v1 for a cannabis group, as assessment-api publishes it."""
    referral_id = referral_id or uuid.uuid4()
    return new_event(
        AssessmentCompleted(
            referral_id=referral_id,
            case_id=uuid.uuid4(),
            completed_at=completed_at or datetime.now(UTC),
            pathway=Pathway.cannabis_group,
            proposed_pathway=Pathway.cannabis_group,
            overridden=False,
            main_substance=Substance.cannabis,
            dependence_indicated=False,
            injecting=False,
            safeguarding_concern=False,
            needs={NeedDomain.housing: NeedLevel.none},
            preferred_language="en",
            interpreter_needed=False,
        ),
        source="/assessment-api",
        subject=str(referral_id),
        forceid=force,
    )


def withdrawn(force: str, referral_id: str) -> CloudEvent:
    return new_event(
        ReferralWithdrawn(
            referral_id=uuid.UUID(referral_id),
            reason=WithdrawalReason.made_in_error,
            withdrawn_at=datetime.now(UTC),
        ),
        source="/referral-api",
        subject=referral_id,
        forceid=force,
    )


class Bus:
    """Publishing as the other services do, and reading what scheduling-api published."""

    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self.js = nc.jetstream()

    async def publish(self, event: CloudEvent) -> None:
        # as a consumer would: create what is missing, change nothing a producer owns
        await bus.ensure_streams(self.js, update=False)
        await self.js.publish(event.type, event.to_json(), headers={"Nats-Msg-Id": str(event.id)})

    async def published(self, subject: str, force: str) -> list[CloudEvent]:
        """Every event on `subject` so far for `force`, in stream order."""
        found: list[CloudEvent] = []
        reader = await self.js.subscribe(
            subject, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        try:
            while True:
                try:
                    message = await reader.next_msg(timeout=0.5)
                except TimeoutError:
                    return found
                event = parse_event(message.data)
                if event.forceid == force:
                    found.append(event)
        finally:
            await reader.unsubscribe()


@pytest.fixture
def nats_server(own_nats_server: NatsServer) -> NatsServer:
    """A NATS server of this test's own. Its durable consumer starts where a stopped instance of
    an earlier test left it, and a message can go to that instance's pull request still open on
    the server, to be redelivered only after the ack wait: real, and not what these tests time."""
    return own_nats_server


@pytest.fixture
async def on_the_bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    nc = await bus.connect(nats_server.url, name="system-test")
    try:
        yield Bus(nc)
    finally:
        await nc.close()


async def course_with_sessions(
    client: httpx.AsyncClient,
    dev_idp: DevIdentityProvider,
    force: str,
    *,
    capacities: list[int],
) -> list[dict[str, Any]]:
    """The force's cannabis group and one session per capacity, a day apart from three days on
    (past the default 48 h lead time), set up by the force's administrator."""
    admin = {"Authorization": f"Bearer {dev_idp.token(role='admin', forces=[force])}"}
    course = await client.post(
        "/v1/course-types",
        json={"pathway": "cannabis_group", "name": "Cannabis awareness group"},
        headers=admin,
    )
    assert course.status_code == 201, course.text
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    sessions = []
    for n, capacity in enumerate(capacities):
        created = await client.post(
            "/v1/sessions",
            json={
                "course_type_id": course.json()["id"],
                "starts_at": (first + timedelta(days=n)).isoformat(),
                "facilitator_id": f"{force}-facilitator",
                "capacity": capacity,
                "join_link": "https://meet.example.org/cannabis",
            },
            headers=admin,
        )
        assert created.status_code == 201, created.text
        sessions.append(created.json())
    return sessions


def force_name() -> str:
    return f"force-{uuid.uuid4().hex[:8]}"


async def test_bookings_fill_sessions_in_order_and_a_freed_seat_goes_to_the_head_of_the_list(
    eventually: Eventually,
    scheduling_service: Service,
    on_the_bus: Bus,
    dev_idp: DevIdentityProvider,
) -> None:
    force = force_name()
    earlier, later = await course_with_sessions(
        scheduling_service.client, dev_idp, force, capacities=[1, 1]
    )
    people = [assessed(force) for _ in range(4)]
    for event in people:
        await on_the_bus.publish(event)

    async def bookings() -> list[CloudEvent] | None:
        found = await on_the_bus.published("session.booked.v1", force)
        return found if len(found) >= 2 else None

    booked = await eventually(bookings, what="two session.booked.v1")
    await asyncio.sleep(0.5)  # the last two assessments have been applied too
    by_referral = {str(e.data.referral_id): e for e in booked}
    first, second, third, fourth = (p.subject for p in people)
    # the earliest session with room, then the following one; the rest wait, in order
    assert str(by_referral[first].data.session_id) == earlier["id"]
    assert str(by_referral[second].data.session_id) == later["id"]
    assert set(by_referral) == {first, second}
    admin = {"Authorization": f"Bearer {dev_idp.token(role='admin', forces=[force])}"}
    capacity = (await scheduling_service.client.get("/v1/capacity", headers=admin)).json()
    assert [c["waiting"] for c in capacity["courses"]] == [2]

    # the first person's referral is withdrawn: their seat goes to the head of the list
    await on_the_bus.publish(withdrawn(force, first))

    async def reseated() -> CloudEvent | None:
        found = await on_the_bus.published("session.booked.v1", force)
        return next((e for e in found if e.subject == third), None)

    moved_up = await eventually(reseated, what="the head of the list to be booked")
    assert str(moved_up.data.session_id) == earlier["id"]
    await asyncio.sleep(0.5)
    assert fourth not in {e.subject for e in await on_the_bus.published("session.booked.v1", force)}


async def start(seat: dict[str, Any], service: Service) -> None:
    """The session's time comes: the one thing the public API cannot move is the clock."""
    async with service.app.state.runtime.db.session() as session:
        await session.execute(
            update(Session)
            .where(Session.id == uuid.UUID(seat["id"]))
            .values(starts_at=datetime.now(UTC) - timedelta(minutes=10))
        )
        await session.commit()


async def test_a_miss_past_the_deadline_publishes_not_engaged_once(
    eventually: Eventually,
    scheduling_service: Service,
    on_the_bus: Bus,
    dev_idp: DevIdentityProvider,
) -> None:
    force = force_name()
    [seat, _] = await course_with_sessions(
        scheduling_service.client, dev_idp, force, capacities=[5, 5]
    )
    # assessed 60 days ago: the force's 56-day engagement window has closed by the session
    person = assessed(force, completed_at=datetime.now(UTC) - timedelta(days=60))
    await on_the_bus.publish(person)

    async def booked() -> list[CloudEvent]:
        return await on_the_bus.published("session.booked.v1", force)

    [booking] = await eventually(booked, what="the booking")
    await start(seat, scheduling_service)
    facilitator = {
        "Authorization": "Bearer "
        + dev_idp.token(role="facilitator", forces=[force], subject=f"{force}-facilitator")
    }
    marks = {"marks": [{"booking_id": str(booking.data.booking_id), "outcome": "missed"}]}
    for _ in range(2):  # the register saved twice changes nothing more
        marked = await scheduling_service.client.post(
            f"/v1/sessions/{seat['id']}/attendance", json=marks, headers=facilitator
        )
        assert marked.status_code == 200, marked.text

    async def not_engaged() -> list[CloudEvent]:
        return await on_the_bus.published("intervention.not_engaged.v1", force)

    [event] = await eventually(not_engaged, what="intervention.not_engaged.v1")
    await asyncio.sleep(1.0)  # time for the relay to publish anything more
    assert len(await not_engaged()) == 1
    assert event.subject == person.subject and event.data.sessions_missed == 1
    assert len(await on_the_bus.published("session.missed.v1", force)) == 1
    # no other session was offered: the deadline had passed
    assert len(await booked()) == 1


SCHEDULING_ALEMBIC_INI = Path(str(scheduling_api.__file__)).resolve().parents[2] / "alembic.ini"


@pytest.fixture
async def two_instances(
    template_databases: TemplateDatabases,
    nats_server: NatsServer,
    dev_idp: DevIdentityProvider,
    field_keys: dict[str, str],
) -> AsyncIterator[list[str]]:
    """Two scheduling-api processes on one database and one NATS server, as two replicas run:
    both pull from the same durable consumer, so assessments are applied in both at once."""
    database_url = await template_databases.fresh(SCHEDULING_ALEMBIC_INI)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SCHEDULING_")},
        "SCHEDULING_DATABASE_URL": database_url,
        "SCHEDULING_NATS_URL": nats_server.url,
        "SCHEDULING_JWKS_URL": dev_idp.jwks_url,
        "SCHEDULING_TRUSTED_ISSUERS": json.dumps({ISSUER: ["*"]}),
        "SCHEDULING_FIELD_KEYS": json.dumps(field_keys),
        "SCHEDULING_FIELD_KEY_CURRENT": "k1",
        "SCHEDULING_OUTBOX_POLL_SECONDS": "0.2",
        "SCHEDULING_JSON_LOGS": "false",
    }
    ports = [free_port(), free_port()]
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "scheduling_api.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            env=env,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            for url in urls:
                for _ in range(300):
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(f"{url}/ready")).status_code == 200:
                            break
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError(f"scheduling-api at {url} never became ready")
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            await asyncio.wait_for(process.wait(), timeout=20)


async def test_fifty_assessments_for_ten_seats_across_two_instances_book_exactly_ten(
    eventually: Eventually,
    two_instances: list[str],
    on_the_bus: Bus,
    dev_idp: DevIdentityProvider,
) -> None:
    force = force_name()
    async with httpx.AsyncClient(base_url=two_instances[0], timeout=10) as client:
        [seat] = await course_with_sessions(client, dev_idp, force, capacities=[10])
        people = [assessed(force) for _ in range(50)]
        await asyncio.gather(*(on_the_bus.publish(event) for event in people))

        admin = {"Authorization": f"Bearer {dev_idp.token(role='admin', forces=[force])}"}

        async def all_applied() -> dict[str, Any] | None:
            answer = await client.get("/v1/capacity", headers=admin)
            [course] = answer.json()["courses"]
            return course if course["waiting"] + course["seats_booked"] == 50 else None

        course = await eventually(all_applied, what="all 50 assessments", within=60)
        assert (course["seats_booked"], course["waiting"]) == (10, 40)
        held = (await client.get(f"/v1/sessions/{seat['id']}", headers=admin)).json()
        assert (held["booked"], held["free"]) == (10, 0)

    async def ten_booked() -> list[CloudEvent] | None:
        found = await on_the_bus.published("session.booked.v1", force)
        return found if len(found) >= 10 else None

    await eventually(ten_booked, what="ten session.booked.v1")
    await asyncio.sleep(1.0)
    booked = await on_the_bus.published("session.booked.v1", force)
    assert len(booked) == 10 and len({e.subject for e in booked}) == 10
