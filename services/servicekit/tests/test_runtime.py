"""The runtime runs a service's background work as components: in order, stopped in reverse."""

from __future__ import annotations

from typing import Any

import pytest
from kit_fixture_support import PRODUCER, kit, make_settings

from servicekit.app import ServiceRuntime
from servicekit.idempotency import KeyKeeper
from servicekit.outbox import OutboxRelay

pytestmark = pytest.mark.db


class Recorder:
    def __init__(self, name: str, log: list[str], *, fail_start: bool = False) -> None:
        self.name, self.log, self.fail_start = name, log, fail_start

    async def start(self) -> None:
        if self.fail_start:
            raise RuntimeError(f"{self.name} could not start")
        self.log.append(f"start {self.name}")

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")


@pytest.fixture
def runtime(
    db_url: str, dev_idp: Any, trusted_issuers: dict[str, list[str]], field_keys: dict[str, str]
) -> ServiceRuntime:
    settings = make_settings(
        database_url=db_url, idp=dev_idp, trusted_issuers=trusted_issuers, field_keys=field_keys
    )
    return ServiceRuntime(settings, kit, producer=PRODUCER)


async def test_components_start_in_order_and_stop_in_reverse(runtime: ServiceRuntime) -> None:
    log: list[str] = []
    first = runtime.add(Recorder("sweep", log))
    runtime.add(Recorder("report", log))
    assert runtime.components[:2] == [runtime.relay, runtime.key_keeper]  # the kit's own first
    assert runtime.component(Recorder) is first
    assert isinstance(runtime.component(OutboxRelay), OutboxRelay)
    await runtime.start()
    assert not runtime.key_keeper.stopped  # the kit's components run too
    assert log == ["start sweep", "start report"]
    await runtime.stop()
    assert log == ["start sweep", "start report", "stop report", "stop sweep"]
    assert runtime.key_keeper.stopped


async def test_a_component_failing_to_start_stops_those_already_started(
    runtime: ServiceRuntime,
) -> None:
    log: list[str] = []
    runtime.add(Recorder("sweep", log))
    runtime.add(Recorder("report", log, fail_start=True))
    with pytest.raises(RuntimeError, match="report could not start"):
        await runtime.start()
    assert log == ["start sweep", "stop sweep"]
    assert runtime.component(KeyKeeper).stopped
    await runtime.stop()  # nothing left running; the database closes
    assert log == ["start sweep", "stop sweep"]


def test_a_component_not_running_is_named(runtime: ServiceRuntime) -> None:
    with pytest.raises(LookupError, match="no Recorder runs in this service"):
        runtime.component(Recorder)
