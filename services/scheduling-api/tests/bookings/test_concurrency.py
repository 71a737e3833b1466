"""Never overbook: 50 people assessed at once, from two processes on one database, for 10
seats: exactly 10 are seated, 40 wait, and the seat count agrees (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from scheduling_api.bookings.models import Booking, WaitingEntry

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db

SCRIPT = Path(__file__).with_name("book_at_once.py")


async def test_two_processes_booking_at_once_never_overbook(
    desk: Desk, scheduling_database: str
) -> None:
    course = await desk.course()
    seat = await desk.session(course, in_days=7, capacity=10)
    start_at = time.time() + 3
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            scheduling_database,
            "25",
            str(start_at),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [await asyncio.wait_for(p.communicate(), timeout=120) for p in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()
    seated_by_each = [int(out.decode().strip()) for out, _ in outputs]

    assert sum(seated_by_each) == 10
    assert await desk.seats(seat["id"]) == (10, 10)
    async with desk.runtime.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 10
        assert await session.scalar(select(func.count()).select_from(WaitingEntry)) == 40
    assert len(await desk.events("session.booked.v1")) == 10
