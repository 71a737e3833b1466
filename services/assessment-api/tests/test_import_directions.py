"""Domain folders depend one way, so each can be read (and changed) knowing only those below it.

A case opens under the provider serving its force, so cases build on providers; everything
done with a case (its assessment, support and safeguarding referrals, the directory a worker may
search) builds on cases; the case file gathers them all to show one case and nothing imports it.
Nothing below imports what sits above it, and no router imports another router.
"""

from __future__ import annotations

import assessment_api
from servicekit_testing.directions import Directions

# domain folder -> the domain folders it may import
ALLOWED: dict[str, set[str]] = {
    "casefile": {"cases", "assessments", "support", "safeguarding"},
    "assessments": {"cases", "instruments", "safeguarding"},
    "support": {"cases", "directory"},
    "safeguarding": {"cases"},
    "directory": {"cases", "providers"},
    "instruments": {"cases"},
    "cases": {"providers"},
    "providers": set(),
}

DIRECTIONS = Directions.of(assessment_api, ALLOWED)


def test_every_domain_folder_has_its_place_in_the_table() -> None:
    assert DIRECTIONS.domains() == set(ALLOWED), (
        "add the new domain folder to ALLOWED, with its direction"
    )


def test_the_table_has_no_cycle() -> None:
    assert DIRECTIONS.cycles() == []


def test_the_checker_sees_the_imports_the_table_allows() -> None:
    # guards against a checker that finds nothing and so passes whatever the code does
    modules = {
        m for _, m in DIRECTIONS.imported_modules(DIRECTIONS.package / "assessments" / "service.py")
    }
    assert f"{DIRECTIONS.name}.cases.repository" in modules
    assert f"{DIRECTIONS.name}.instruments.scoring" in modules


def test_domain_folders_import_only_in_the_allowed_direction() -> None:
    assert DIRECTIONS.violations() == []
