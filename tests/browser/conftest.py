"""Fixtures for the portal's browser tests: a real referral-api per test, headless Chromium.

The helpers that drive the portal and hold each screen to the accessibility bar are in
portal_driver.py beside this file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servicekit.devidp import DevIdentityProvider
from servicekit_testing.databases import TemplateDatabases

sys.path.insert(0, str(Path(__file__).parent))

from portal_driver import (
    ALEMBIC_INI,
    PWA_DIR,
    Portal,
    context_options,
    launch_options,
    run_async,
    serve_portal,
)

from referral_api.seed import seed


@pytest.fixture(scope="session")
def browser_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemplateDatabases]:
    """Migrated templates for these tests.

    Not the shared async `template_databases` fixture: Playwright's synchronous API keeps an
    event loop running in the test thread, so async fixtures cannot run beside it. The
    databases are made on their own loop in another thread instead.
    """
    databases = TemplateDatabases(tmp_path_factory.mktemp("browser-databases"))
    yield databases
    run_async(databases.drop_all)


@pytest.fixture
def portal_database(browser_databases: TemplateDatabases) -> str:
    async def fresh() -> str:
        url = await browser_databases.fresh(ALEMBIC_INI)
        await seed(url)
        return url

    return run_async(fresh)


@pytest.fixture
def pwa_dir() -> Path:
    """The PWA folder to serve; a test may override it with a copy it changes."""
    return PWA_DIR


@pytest.fixture
def portal(
    portal_database: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    assessment_keypair: tuple[str, str],
    pwa_dir: Path,
) -> Iterator[Portal]:
    server, settings = serve_portal(
        portal_database,
        dev_idp,
        dev_idp,
        trusted_issuers,
        field_keys,
        assessment_keypair,
        pwa_dir=pwa_dir,
    )
    try:
        yield Portal(f"http://127.0.0.1:{server.port}", settings, dev_idp, signal=server.signal)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Any]:
    """Playwright for one test module at a time.

    Its synchronous API keeps an event loop running in the test thread for as long as it is
    open; closing it after each module lets async tests elsewhere in the run use the thread.
    """
    options = launch_options()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        driver.launch_options = options  # type: ignore[attr-defined]
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Any) -> Iterator[Any]:
    instance = playwright_driver.chromium.launch(**playwright_driver.launch_options)
    yield instance
    instance.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(**context_options())
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()
