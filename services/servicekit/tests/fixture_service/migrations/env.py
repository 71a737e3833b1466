"""Alembic environment of the fixture service, through servicekit's shared runner."""

from __future__ import annotations

import sys
from pathlib import Path

from servicekit.migrate import run_env

# The tests are not a package (pytest imports them by path), so the models module lives beside
# this folder under a name unique in the monorepo; the tests' conftest imports the same module.
FIXTURE_DIR = str(Path(__file__).resolve().parents[1])
if FIXTURE_DIR not in sys.path:
    sys.path.insert(0, FIXTURE_DIR)

from kit_fixture_models import metadata  # noqa: E402

run_env(metadata, url_env="KIT_TEST_DATABASE_URL")
