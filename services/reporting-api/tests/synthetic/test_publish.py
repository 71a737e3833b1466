"""Synthetic history leaves the generator the way the services' events travel: on JetStream,
each event on its own subject and stored once however often it is published; or as NDJSON."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import nats
import pytest

from contracts import parse_event, stream_for
from reporting_api.synthetic.__main__ import main
from reporting_api.synthetic.generator import force_years
from reporting_api.synthetic.publish import publish

if TYPE_CHECKING:
    from servicekit_testing.nats import NatsServer

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_the_command_writes_each_forces_events_as_ndjson(tmp_path: Path) -> None:
    out = tmp_path / "history.ndjson"
    assert main(["--forces", "2", "--referrals-per-year", "40", "--out", str(out)]) == 0
    events = [parse_event(line) for line in out.read_bytes().splitlines()]
    referrals = Counter(e.forceid for e in events if e.type == "referral.submitted.v1")
    # 40 referrals a year for each of force-1 and force-2, over the year ending today
    assert referrals == {"force-1": 40, "force-2": 40}
    assert len({e.id for e in events}) == len(events)


@pytest.mark.nats
async def test_publishing_puts_each_event_on_its_stream_once(own_nats_server: NatsServer) -> None:
    journeys = list(
        force_years("pub-test", start=date(2026, 6, 1), referrals_per_year=100, seed=8, now=NOW)
    )
    events = [event for journey in journeys for event in journey]
    assert await publish(own_nats_server.url, journeys) == len(events)
    # again: JetStream drops each as a duplicate of its Nats-Msg-Id
    await publish(own_nats_server.url, journeys)
    nc = await nats.connect(own_nats_server.url)
    try:
        js = nc.jetstream()
        by_stream = Counter(stream_for(event.type).name for event in events)
        for stream, expected in by_stream.items():
            assert (await js.stream_info(stream)).state.messages == expected
        sub = await js.subscribe("referral.>", ordered_consumer=True)
        for _ in range(by_stream["REFERRAL"]):
            msg = await sub.next_msg(timeout=5)
            body = json.loads(msg.data)
            assert msg.subject == body["type"]
            assert msg.headers is not None and msg.headers["Nats-Msg-Id"] == body["id"]
        await sub.unsubscribe()
    finally:
        await nc.close()
