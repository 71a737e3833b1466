"""Is a service's database at the head of the migrations this image carries?

    python schema_status.py --ini services/referral-api/alembic.ini \
        --url-env REFERRAL_DATABASE_URL [--wait SECONDS]

The entry point runs it as `wait-for-schema`, the init container of every Deployment, so a new
version of a service starts only once its migration Job has brought the schema up to date, and
an old pod never sees a half-applied change it cannot read. Exits 0 when the database is at
head, or ahead of this image (a newer release migrated it: migrations are backward compatible
with the previous release, so rolling back the code is safe); 1 when still behind, or
unreachable, after waiting.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def known_revisions(ini: str) -> tuple[set[str], set[str]]:
    """The head revisions of the image's migrations, and every revision it knows.

    The heads are those a fully migrated database records: the service's own, and the kit
    tables' (servicekit's branch) only where no revision of the service depends on it, since
    Alembic keeps no row for a revision that a recorded one depends on.
    """
    script = ScriptDirectory.from_config(Config(ini))
    heads = {rev.revision for rev in script.get_revisions("heads") if rev is not None}
    return heads, {rev.revision for rev in script.walk_revisions()}


async def current_revisions(url: str) -> set[str]:
    engine = create_async_engine(url, poolclass=pool.NullPool)

    def read(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


def status(heads: set[str], known: set[str], current: set[str]) -> str | None:
    """None when the service may start; otherwise why not."""
    if current == heads:
        return None
    if current and not current & known:
        print(f"database is ahead of this image ({', '.join(sorted(current))}); starting")
        return None
    have = ", ".join(sorted(current)) or "no revision"
    return f"database at {have}, this image needs {', '.join(sorted(heads))}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ini", required=True, help="the service's alembic.ini")
    parser.add_argument("--url-env", required=True, help="variable holding the database URL")
    parser.add_argument("--wait", type=float, default=0, help="seconds to keep trying")
    parser.add_argument("--interval", type=float, default=2, help="seconds between tries")
    args = parser.parse_args(argv)
    url = os.environ.get(args.url_env)
    if not url:
        print(f"{args.url_env} is not set", file=sys.stderr)
        return 2
    heads, known = known_revisions(args.ini)
    deadline = time.monotonic() + args.wait
    while True:
        try:
            why = status(heads, known, asyncio.run(current_revisions(url)))
        except Exception as exc:  # unreachable or not yet created: keep waiting
            why = f"cannot read the schema version: {type(exc).__name__}: {exc}"
        if why is None:
            return 0
        if time.monotonic() >= deadline:
            print(f"not ready: {why}", file=sys.stderr)
            return 1
        print(f"waiting: {why}", file=sys.stderr)
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
