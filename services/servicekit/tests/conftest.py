"""Fixtures of the servicekit suite: a migrated fixture database, a cipher, a NATS client, an app.

The real parts come from the `servicekit_testing.plugin` fixtures (NATS servers, the dev identity
provider, template databases); this file only puts them together for the kit's own tests.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client

# The fixture service's modules live in fixture_service/ under names unique in the monorepo.
FIXTURE_DIR = str(Path(__file__).resolve().parent / "fixture_service")
if FIXTURE_DIR not in sys.path:
    sys.path.insert(0, FIXTURE_DIR)

from kit_fixture_support import FIXTURE_INI, Service, start_service  # noqa: E402

from servicekit import bus  # noqa: E402
from servicekit.crypto import FieldCipher  # noqa: E402
from servicekit.db import Database  # noqa: E402
from servicekit.devidp import DevIdentityProvider  # noqa: E402
from servicekit_testing.databases import TemplateDatabases  # noqa: E402
from servicekit_testing.nats import NatsServer  # noqa: E402


@pytest.fixture
async def db_url(template_databases: TemplateDatabases) -> str:
    """A fresh database migrated by the fixture service's Alembic history."""
    return await template_databases.fresh(FIXTURE_INI)


@pytest.fixture
def cipher(field_keys: dict[str, str]) -> FieldCipher:
    """The field cipher of the fixture service's `Encrypted` columns (its settings' keys)."""
    return FieldCipher(field_keys, "k1")


@pytest.fixture
async def db(db_url: str, cipher: FieldCipher) -> AsyncIterator[Database]:
    database = Database(db_url, cipher=cipher)
    yield database
    await database.dispose()


@pytest.fixture
async def nc(own_nats_server: NatsServer) -> AsyncIterator[Client]:
    """A client of this test's own NATS server, with the streams in place."""
    client = await bus.connect(own_nats_server.url, name="kit-test")
    await bus.ensure_streams(client.jetstream())
    yield client
    await client.close()


@pytest.fixture
async def service(
    db_url: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    cipher: FieldCipher,
) -> AsyncIterator[Service]:
    """The fixture service over a fresh database, without NATS, reached through its ASGI app."""
    svc, client = await start_service(
        db_url, dev_idp, trusted_issuers, field_keys, max_body_bytes=4096
    )
    async with client:
        yield svc
    await svc.runtime.stop()
