"""Domain folders depend one way, so each can be read (and changed) knowing only those below it.

Course types stand alone; sessions run a course; bookings seat people in sessions; the timetable
(the session and attendance routes) and the capacity view build on all three. Nothing below
imports what sits above it, and no router imports another router.
"""

from __future__ import annotations

import ast
from pathlib import Path

import scheduling_api

PACKAGE = Path(scheduling_api.__file__).parent
NAME = PACKAGE.name

# domain folder -> the domain folders it may import
ALLOWED: dict[str, set[str]] = {
    "timetable": {"sessions", "bookings", "courses"},
    "capacity": {"sessions", "bookings", "courses"},
    "bookings": {"sessions", "courses"},
    "sessions": {"courses"},
    "courses": set(),
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every absolute module name the file imports (with the names imported from it)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: resolve against the file's own package
                parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[: -node.level]
                module = ".".join([*parts, module] if module else parts)
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def domains() -> set[str]:
    return {p.parent.name for p in PACKAGE.glob("*/__init__.py")}


def violations() -> list[str]:
    found: set[str] = set()
    for path in sorted(PACKAGE.glob("*/*.py")):
        own = path.parent.name
        for line, module in imported_modules(path):
            parts = module.split(".")
            if parts[0] != NAME or len(parts) < 2 or parts[1] not in domains():
                continue
            other = parts[1]
            where = f"{path.relative_to(PACKAGE)}:{line} imports {module}"
            if other != own and other not in ALLOWED.get(own, set()):
                found.add(f"{where}: {own} may not depend on {other}")
            if path.name == "router.py" and parts[2:3] == ["router"] and other != own:
                found.add(f"{where}: a router may not import another router")
    return sorted(found)


def test_every_domain_folder_has_its_place_in_the_table() -> None:
    assert domains() == set(ALLOWED), "add the new domain folder to ALLOWED, with its direction"


def test_the_table_has_no_cycle() -> None:
    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            other == goal or (other not in seen and reaches(other, goal, seen | {other}))
            for other in ALLOWED[start]
        )

    assert [d for d in ALLOWED if reaches(d, d)] == []


def test_the_checker_sees_the_imports_the_table_allows() -> None:
    # guards against a checker that finds nothing and so passes whatever the code does
    modules = {m for _, m in imported_modules(PACKAGE / "bookings" / "allocation.py")}
    assert f"{NAME}.sessions.seats" in modules
    assert f"{NAME}.courses.service" in modules


def test_domain_folders_import_only_in_the_allowed_direction() -> None:
    assert violations() == []
