"""The kit tables' own Alembic history, shipped with servicekit and shared by every service.

Its revisions live in `versions/`, on the branch labelled `servicekit`. A service lists that
folder beside its own in `version_locations` (alembic.ini) and its first revision names the
kit's first in `depends_on`, so `alembic upgrade heads` (or `servicekit.migrate.upgrade`) brings
both up to date. A change to an outbox, inbox, dead-letter, idempotency or audit table is one
revision here, applied to every service's database.
"""

from __future__ import annotations

from pathlib import Path

BRANCH = "servicekit"
VERSIONS = Path(__file__).resolve().parent / "versions"
FIRST = "5e7a1c0b9d42"  # the kit tables as they were when each service created its own

__all__ = ["BRANCH", "FIRST", "VERSIONS"]
