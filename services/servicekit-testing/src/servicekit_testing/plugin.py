"""pytest fixtures every service's tests share (registered as the `servicekit` plugin)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from contracts.sealed import generate_keypair
from servicekit.crypto import new_key
from servicekit.devidp import ISSUER, DevIdentityProvider
from servicekit_testing.databases import TemplateDatabases
from servicekit_testing.nats import NatsServer


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A NATS server with JetStream for the whole session, on a free port."""
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A NATS server for one test, which the test may stop and start again."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dev_idp(tmp_path_factory: pytest.TempPathFactory) -> DevIdentityProvider:
    return DevIdentityProvider(tmp_path_factory.mktemp("devidp"))


@pytest.fixture(scope="session")
def trusted_issuers() -> dict[str, list[str]]:
    return {ISSUER: ["*"]}


@pytest.fixture(scope="session")
def field_keys() -> dict[str, str]:
    return {"k1": new_key()}


@pytest.fixture(scope="session")
def assessment_keypair() -> tuple[str, str]:
    """The assessment service's sealed-field key pair (private, public)."""
    return generate_keypair()


@pytest.fixture(scope="session")
async def template_databases(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[TemplateDatabases]:
    databases = TemplateDatabases(tmp_path_factory.mktemp("databases"))
    yield databases
    await databases.drop_all()
