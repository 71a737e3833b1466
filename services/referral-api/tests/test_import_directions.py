"""Domain folders depend one way, so each can be read (and changed) knowing only those below it.

Referrals build on eligibility, people, outcomes and forces, and on the integration clients and
officers a force system refers through and for; eligibility builds on people (the
person's history); forces carry the eligibility rule set; people read the bars that outcomes
set; closing a referral queues its webhook messages (webhooks import no other domain).
Nothing below imports what sits above it, and no router imports another router.
"""

from __future__ import annotations

import referral_api
from servicekit_testing.directions import Directions

# domain folder -> the domain folders it may import
ALLOWED: dict[str, set[str]] = {
    "referrals": {"eligibility", "people", "outcomes", "forces", "clients", "officers"},
    "clients": {"forces"},
    "officers": {"forces"},
    "eligibility": {"people"},
    "forces": {"eligibility"},
    "people": {"outcomes"},
    "outcomes": {"webhooks"},
    "webhooks": set(),
}

DIRECTIONS = Directions.of(referral_api, ALLOWED)


def test_every_domain_folder_has_its_place_in_the_table() -> None:
    assert DIRECTIONS.domains() == set(ALLOWED), (
        "add the new domain folder to ALLOWED, with its direction"
    )


def test_the_table_has_no_cycle() -> None:
    assert DIRECTIONS.cycles() == []


def test_the_checker_sees_the_imports_the_table_allows() -> None:
    # guards against a checker that finds nothing and so passes whatever the code does
    modules = {
        m for _, m in DIRECTIONS.imported_modules(DIRECTIONS.package / "referrals" / "service.py")
    }
    assert f"{DIRECTIONS.name}.eligibility.service" in modules
    assert f"{DIRECTIONS.name}.people.repository" in modules


def test_domain_folders_import_only_in_the_allowed_direction() -> None:
    assert DIRECTIONS.violations() == []
