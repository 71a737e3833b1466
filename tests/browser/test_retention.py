"""Personal data on the phone has a time limit, applied each time the app opens.

Entries with old timestamps are written straight into the phone's IndexedDB, as earlier
versions of the app (or an officer who never came back) would have left them; the app is
opened again and what is left is read back.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from portal_driver import (
    OFFICER_SUBJECT,
    Portal,
    capture,
    device_storage,
    entry,
    heading,
    open_portal,
    sign_in,
)

from referral_api.referrals.schemas import example_referral

pytestmark = pytest.mark.browser

OTHER_OFFICER = "demo-officer-who-left"
PERSONAL = ("given_name", "family_name", "date_of_birth", "phone", "email", "postcode")


def ago(**delta: float) -> str:
    moment = datetime.now(UTC) - timedelta(**delta)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def body(number: int, family_name: str, encounter_at: str) -> dict[str, Any]:
    """A referral as the app queues it, with personal values found nowhere else."""
    referral = example_referral()
    referral["person"].update(
        given_name=f"Given{family_name}",
        family_name=family_name,
        date_of_birth=f"1981-02-{number:02d}",
        phone=f"07700 9001{number:02d}",
        email=f"{family_name.lower()}@example.org",
        postcode=f"ZX{number} 9AB",
    )
    referral["encounter"]["occurred_at"] = encounter_at
    referral["agreement"]["recorded_at"] = encounter_at
    return referral


def queued(number: int, name: str, officer: str, encounter: timedelta) -> dict[str, Any]:
    made = ago(seconds=encounter.total_seconds() - 600)
    return {
        "id": str(uuid.uuid4()),
        "officer": officer,
        "state": "queued",
        "created_at": made,
        "updated_at": made,
        "attempts": 3,
        "last_error": "No connection",
        "body": body(number, name, ago(seconds=encounter.total_seconds())),
    }


def refused(
    number: int, name: str, refused: timedelta, *, with_refused_at: bool = True
) -> dict[str, Any]:
    when = ago(seconds=refused.total_seconds())
    made = ago(seconds=refused.total_seconds() + 3600)
    found = {
        "id": str(uuid.uuid4()),
        "officer": OFFICER_SUBJECT,
        "state": "refused",
        "created_at": made,
        "updated_at": when,
        "attempts": 1,
        "last_error": None,
        "body": body(number, name, made),
        "problem": {
            "type": None,
            "title": "Not eligible for diversion",
            "detail": "",
            "reasons": ["not eligible until 1 June"],
            "not_before": None,
            "errors": [],
        },
    }
    if with_refused_at:
        found["refused_at"] = when
    return found


SEED = """async (entries) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('diversion-portal');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction('outbox', 'readwrite');
    for (const entry of entries) tx.objectStore('outbox').put(entry);
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}"""


def wait_for_storage(page: Any, done: Any, timeout: float = 10) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        stored = device_storage(page)["outbox"]
        if done(stored) or time.monotonic() > deadline:
            return stored
        page.wait_for_timeout(100)


def test_old_personal_data_is_removed_when_the_app_opens(page: Any, portal: Portal) -> None:
    assert portal.signal is not None
    portal.signal.on = False  # the server is out of reach: queued referrals stay queued
    days = timedelta(days=1)
    hour = timedelta(hours=1)

    # this officer's: one queued too long to be accepted, one just in time
    too_old = queued(1, "Tooold", OFFICER_SUBJECT, 30 * days + hour)
    in_time = queued(2, "Intime", OFFICER_SUBJECT, 30 * days - hour)
    # refused a week ago (one from before refusals were dated), and refused yesterday-ish
    refused_long_ago = refused(3, "Refusedlongago", 7 * days + hour)
    refused_undated = refused(4, "Refusedundated", 7 * days + hour, with_refused_at=False)
    refused_lately = refused(5, "Refusedlately", 7 * days - hour)
    # an officer who never signs in on this phone again
    left_too_old = queued(6, "Lefttooold", OTHER_OFFICER, 40 * days)
    left_in_time = queued(7, "Leftintime", OTHER_OFFICER, 30 * days - hour)
    sent_long_ago = {
        "id": str(uuid.uuid4()),
        "officer": OFFICER_SUBJECT,
        "state": "sent",
        "created_at": ago(days=9),
        "updated_at": ago(days=8),
        "sent_at": ago(days=8),
        "attempts": 1,
        "referral_id": str(uuid.uuid4()),
        "reference": "DEMO-OLDSENT",
        "suggested_outcome_code": 22,
    }
    seeded = [
        too_old,
        in_time,
        refused_long_ago,
        refused_undated,
        refused_lately,
        left_too_old,
        left_in_time,
        sent_long_ago,
    ]
    removed = [too_old, refused_long_ago, refused_undated, left_too_old]

    open_portal(page, portal)
    heading(page, "Sign in")
    page.evaluate(SEED, seeded)

    # the app opens again: the two queued within 30 days are the only ones waiting
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    heading(page, "Sign in")
    page.get_by_text("2 referrals are waiting on this phone").wait_for()

    stored = device_storage(page)["outbox"]
    dump = json.dumps(stored)
    for gone in removed:
        for field in PERSONAL:
            value = gone["body"]["person"][field]
            assert value not in dump, f"{field} {value} is still on the phone"
    assert "DEMO-OLDSENT" not in dump
    kept = {e["id"]: e for e in stored if "body" in e}
    assert set(kept) == {in_time["id"], refused_lately["id"], left_in_time["id"]}
    assert kept[in_time["id"]]["state"] == "queued"
    assert kept[left_in_time["id"]]["state"] == "queued"
    assert kept[refused_lately["id"]]["state"] == "refused"

    # the officer is told, once, in plain words, on the home screen
    sign_in(page)
    notice = page.locator("#removed-notice")
    notice.wait_for()
    text = notice.inner_text()
    assert "was removed from this phone" in text
    assert "more than 30 days ago, so it can no longer be accepted" in text
    assert "2 referrals that were not accepted were removed" in text
    assert "Tooold" not in text  # the notice itself names nobody
    capture(page, "60-removed-notice")

    # what is left in the list: the referral still in time, and the recent refusal
    assert page.locator("li[data-entry]").count() == 2
    assert "Waiting to send" in entry(page, "Intime").inner_text()
    assert "removed from this phone on" in entry(page, "Refusedlately").inner_text()

    notice.get_by_role("button", name="Dismiss this message").click()
    notice.wait_for(state="detached")
    assert page.evaluate("document.activeElement.id") == "on-this-phone"

    # told once: the note of what was removed has gone with the telling
    stored = wait_for_storage(
        page,
        lambda rows: not [r for r in rows if r["officer"] == OFFICER_SUBJECT and "body" not in r],
    )
    mine = [r for r in stored if r["officer"] == OFFICER_SUBJECT]
    assert {r["id"] for r in mine} == {in_time["id"], refused_lately["id"]}
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    heading(page, "Referrals")
    page.wait_for_timeout(300)
    assert page.locator("#removed-notice").count() == 0
    assert page.locator("li[data-entry]").count() == 2

    # the other officer's removed referral leaves only a note for them, without the person
    theirs = [r for r in device_storage(page)["outbox"] if r["officer"] == OTHER_OFFICER]
    notes = [r for r in theirs if r["id"] == left_too_old["id"]]
    assert len(notes) == 1 and "body" not in notes[0]
    assert "Lefttooold" not in json.dumps(notes)


def test_a_removal_note_nobody_reads_is_forgotten_after_30_days(page: Any, portal: Portal) -> None:
    """An officer who never signs in again is not told, and the note does not stay for ever."""
    left_too_old = queued(8, "Neverback", OTHER_OFFICER, 31 * timedelta(days=1))
    open_portal(page, portal)
    heading(page, "Sign in")
    page.evaluate(SEED, [left_too_old])
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    [note] = device_storage(page)["outbox"]
    assert note["id"] == left_too_old["id"] and "body" not in note

    # 30 days on, unread: the app opening again forgets it
    note_keys = {k: v for k, v in note.items() if not k.endswith("_at")}
    aged = {**note_keys, "created_at": ago(days=62), "removed_at": ago(days=30, hours=1)}
    page.evaluate(SEED, [aged])
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    assert device_storage(page)["outbox"] == []


SEED_PROGRESS = SEED.replace("'outbox'", "'progress'")


def test_referrals_kept_for_no_signal_are_forgotten_7_days_after_they_were_fetched(
    page: Any, portal: Portal
) -> None:
    """The last answer of "My referrals" names people: kept for a week at most, whoever
    fetched it (an officer who never signs in again included)."""

    def fetched(officer: str, family_name: str, at: str) -> dict[str, Any]:
        person = {"given_name": "Kept", "family_name": family_name, "date_of_birth": "1990-01-01"}
        return {
            "key": f"{officer}|list:",
            "officer": officer,
            "fetched_at": at,
            "data": {"items": [{"id": str(uuid.uuid4()), "person": person}]},
        }

    stale = fetched(OTHER_OFFICER, "Stale", ago(days=7, minutes=1))
    fresh = fetched(OFFICER_SUBJECT, "Fresh", ago(days=6, hours=23))
    open_portal(page, portal)
    heading(page, "Sign in")
    page.evaluate(SEED_PROGRESS, [stale, fresh])
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    kept = device_storage(page)["progress"]
    assert [item["key"] for item in kept] == [fresh["key"]]
    assert "Stale" not in json.dumps(device_storage(page))
