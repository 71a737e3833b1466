"""Two processes publishing the same facilitator's hours at once: one window is published, every
other attempt is refused as overlapping it, and the facilitator is never double-booked."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from scheduling_api.availability.models import AvailabilityWindow
from scheduling_api.sessions.models import Session
from scheduling_api.times import LONDON

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db

SCRIPT = Path(__file__).with_name("publish_at_once.py")


async def test_two_processes_publishing_one_facilitators_hours_publish_once(
    desk: Desk, scheduling_database: str
) -> None:
    response = await desk.client.post(
        "/v1/course-types",
        json={"pathway": "one_to_one", "name": "One-to-one", "duration_minutes": 60},
        headers=desk.admin,
    )
    assert response.status_code == 201, response.text
    day = (datetime.now(UTC).astimezone(LONDON) + timedelta(days=5)).date()
    start_at = time.time() + 3
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            scheduling_database,
            "5",
            str(start_at),
            day.isoformat(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [await asyncio.wait_for(p.communicate(), timeout=120) for p in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()
    counts = [tuple(map(int, out.decode().split())) for out, _ in outputs]

    assert sum(published for published, _ in counts) == 1
    assert sum(refused for _, refused in counts) == 9
    async with desk.runtime.db.session() as session:
        windows = await session.scalar(select(func.count()).select_from(AvailabilityWindow))
        appointments = await session.scalar(select(func.count()).select_from(Session))
    assert (windows, appointments) == (1, 2)
