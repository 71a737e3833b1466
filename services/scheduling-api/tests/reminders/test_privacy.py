"""The reminder contact is never in clear outside its encrypted columns: not in an event, not
in a log line, not in any column of any table (read raw, as a console or a backup shows it)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import create_async_engine

from scheduling_api.config import Settings
from scheduling_api.reminders.notify import NotifyNotifier

if TYPE_CHECKING:
    from conftest import Desk
    from reminders.conftest import Reminders

from .conftest import EMAIL, GIVEN_NAME, PHONE, contact
from .fake_notify import API_KEY
from .test_notify import with_templates

pytestmark = pytest.mark.db

SECRETS = (PHONE, EMAIL, GIVEN_NAME, PHONE.replace(" ", ""))


async def every_stored_text(database_url: str) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value in the database, as stored."""
    engine = create_async_engine(database_url)
    found: list[tuple[str, str, str]] = []
    try:
        async with engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(metadata.reflect)
            for table in metadata.sorted_tables:
                for row in (await conn.execute(select(table))).mappings():
                    for column, value in row.items():
                        if isinstance(value, bytes):
                            value = value.decode(errors="replace")
                        if value is not None and not isinstance(value, int | float | datetime):
                            found.append((table.name, column, str(value)))
    finally:
        await engine.dispose()
    return found


async def test_the_contact_is_never_in_clear(
    desk: Desk,
    reminders: Reminders,
    fake_notify: Any,
    scheduling_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    course = await desk.course()
    seat = await desk.session(course, in_days=3)
    await with_templates(desk)
    by_sms = await reminders.assessed()
    await reminders.assessed(contact(phone=None))
    now = datetime.now(UTC) + timedelta(seconds=1)
    # recorded (the default) and through Notify, each way a message can go
    assert len((await reminders.sender().run_once(now)).sent) == 2
    notify = NotifyNotifier(desk.runtime.db, api_key=API_KEY, base_url=fake_notify.url)
    start = datetime.fromisoformat(seat["starts_at"]).astimezone(UTC)
    fake_notify.fail_next(400)
    assert len((await reminders.sender(notify).run_once(start - timedelta(hours=24))).sent) == 1
    assert len(fake_notify.sent()) == 1
    listed = await desk.client.get("/v1/reminders", headers=desk.admin)
    assert PHONE in listed.text  # the administrator reads it, decrypted...
    assert await desk.receive(desk.withdrawal(by_sms)) == "applied"

    stored = await every_stored_text(scheduling_settings.database_url)
    assert any(table == "recorded_messages" for table, _, _ in stored)  # ...stored encrypted
    assert any(table == "reminder_contacts" for table, _, _ in stored)
    for table, column, value in stored:
        for secret in SECRETS:
            assert secret not in value, (table, column)
    for event in await desk.events():
        for secret in SECRETS:
            assert secret not in event.model_dump_json()
    assert caplog.records
    for record in caplog.records:
        line = record.getMessage() + str(record.args or "") + str(record.exc_text or "")
        for secret in SECRETS:
            assert secret not in line, line
