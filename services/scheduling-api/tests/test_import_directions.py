"""Domain folders depend one way, so each can be read (and changed) knowing only those below it.

Course types stand alone; sessions run a course; reminders tell people of their sessions;
bookings seat people in sessions and schedule their reminders; the timetable (the session and
attendance routes), published availability (windows a facilitator cuts into one-to-one
appointments, which are sessions) and the capacity view build on the rest; the calendars on
sessions and courses alone. Nothing below imports what sits above it, and no router imports
another router.
"""

from __future__ import annotations

import scheduling_api
from servicekit_testing.directions import Directions

# domain folder -> the domain folders it may import
ALLOWED: dict[str, set[str]] = {
    "timetable": {"sessions", "bookings", "courses"},
    "capacity": {"sessions", "bookings", "courses"},
    "availability": {"sessions", "bookings", "courses"},
    # never bookings: a calendar names no one, and so cannot even reach who is booked
    "calendars": {"sessions", "courses"},
    "bookings": {"sessions", "courses", "reminders"},
    "reminders": {"sessions", "courses"},
    "sessions": {"courses"},
    "courses": set(),
}

DIRECTIONS = Directions.of(scheduling_api, ALLOWED)


def test_every_domain_folder_has_its_place_in_the_table() -> None:
    assert DIRECTIONS.domains() == set(ALLOWED), (
        "add the new domain folder to ALLOWED, with its direction"
    )


def test_the_table_has_no_cycle() -> None:
    assert DIRECTIONS.cycles() == []


def test_the_checker_sees_the_imports_the_table_allows() -> None:
    # guards against a checker that finds nothing and so passes whatever the code does
    modules = {
        m for _, m in DIRECTIONS.imported_modules(DIRECTIONS.package / "bookings" / "allocation.py")
    }
    assert f"{DIRECTIONS.name}.sessions.seats" in modules
    assert f"{DIRECTIONS.name}.courses.service" in modules


def test_domain_folders_import_only_in_the_allowed_direction() -> None:
    assert DIRECTIONS.violations() == []
