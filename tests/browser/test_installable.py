"""The portal installs like an app and opens offline: manifest, icons, service worker, caches."""

from __future__ import annotations

import json
import re
import shutil
import struct
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_driver import (
    PWA_DIR,
    Person,
    Portal,
    heading,
    make_referral,
    open_portal,
    sign_in,
    wait_for_service_worker,
)

pytestmark = pytest.mark.browser

SW_SOURCE = (PWA_DIR / "sw.js").read_text()
NOT_SHELL = {"README.md", "sw.js"}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def shell_paths() -> list[str]:
    block = re.search(r"const SHELL = \[(.*?)\];", SW_SOURCE, re.S)
    assert block is not None
    return re.findall(r"'([^']+)'", block.group(1))


def cache_version() -> str:
    found = re.search(r"const VERSION = '([^']+)';", SW_SOURCE)
    assert found is not None
    return found.group(1)


def test_the_manifest_meets_the_installability_criteria(portal: Portal) -> None:
    index = httpx.get(portal.base_url + "/").text
    assert '<link rel="manifest" href="/manifest.webmanifest"' in index
    assert '<meta name="theme-color"' in index
    assert 'name="viewport"' in index
    response = httpx.get(portal.base_url + "/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] and manifest["short_name"]
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/")
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert manifest["background_color"]
    sizes = {}
    for icon in manifest["icons"]:
        data = httpx.get(portal.base_url + icon["src"]).content
        width, height = png_size(data)
        assert icon["sizes"] == f"{width}x{height}", icon["src"]
        assert icon["type"] == "image/png"
        sizes.setdefault(icon.get("purpose", "any"), set()).add(width)
    assert {192, 512} <= sizes["any"]
    assert 512 in sizes["maskable"]


def test_the_shell_lists_every_file_of_the_app() -> None:
    """A file missing from the shell would break the app offline: the cache must hold all."""
    files = {
        "/" + path.relative_to(PWA_DIR).as_posix()
        for path in PWA_DIR.rglob("*")
        if path.is_file()
        and path.name not in NOT_SHELL
        and "tools" not in path.relative_to(PWA_DIR).parts
    }
    listed = shell_paths()
    assert len(listed) == len(set(listed)), "listed twice"
    assert files == set(listed) - {"/"}


def test_the_service_worker_controls_the_app_and_caches_the_shell(
    page: Any, portal: Portal
) -> None:
    open_portal(page, portal)
    wait_for_service_worker(page)
    caches = page.evaluate(
        """async () => {
          const names = await caches.keys();
          const contents = {};
          for (const name of names) {
            const cache = await caches.open(name);
            contents[name] = (await cache.keys()).map((r) => new URL(r.url).pathname);
          }
          return contents;
        }"""
    )
    name = f"portal-shell-{cache_version()}"
    assert list(caches) == [name]
    assert set(shell_paths()) <= set(caches[name])
    registration = page.evaluate(
        """async () => {
          const r = await navigator.serviceWorker.getRegistration();
          return { scope: r.scope, script: r.active.scriptURL };
        }"""
    )
    assert registration == {"scope": portal.base_url + "/", "script": portal.base_url + "/sw.js"}


@pytest.fixture
def pwa_dir(tmp_path: Path) -> Path:
    """A copy of the app that the test can release a new version of."""
    copy = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, copy, ignore=shutil.ignore_patterns("tools", "README.md"))
    return copy


def test_a_new_version_replaces_the_old_cache_and_keeps_the_outbox(
    page: Any, portal: Portal, pwa_dir: Path
) -> None:
    open_portal(page, portal)
    sign_in(page)
    wait_for_service_worker(page)
    make_referral(page, Person(given_name="Uma", family_name="Upgrade"))
    heading(page, "Referral sent")
    reference = page.locator("#reference").inner_text()

    # release a new version: the next update check installs it and drops the old cache
    sw = pwa_dir / "sw.js"
    sw.write_text(sw.read_text().replace(f"'{cache_version()}'", "'v999-test'"))
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    page.wait_for_function(
        """async () => {
          const names = await caches.keys();
          return names.length === 1 && names[0] === 'portal-shell-v999-test';
        }""",
        polling=200,
    )
    page.goto(portal.base_url + "/#/")
    page.wait_for_selector("html[data-ready=true]")
    heading(page, "Referrals")
    assert reference in page.locator("li[data-state=sent]").inner_text()


def test_the_outbox_survives_a_database_upgrade(page: Any, portal: Portal) -> None:
    """A referral queued by the first version of the app is still sent after its upgrade."""
    body = json.loads(
        json.dumps(
            {
                "person": {
                    "given_name": "Vera",
                    "family_name": "Versionone",
                    "date_of_birth": "1990-05-05",
                    "gender": "female",
                    "self_defined_ethnicity": "W1",
                    "observed_ethnicity": "IC1",
                    "phone": "07700 900777",
                },
                "encounter": {"area": "south", "origin": "other"},
                "substances": [{"substance": "cocaine", "estimated_quantity": 0.5, "unit": "g"}],
                "answers": {
                    "personal_use_only": True,
                    "supply_indicators": False,
                    "other_offence_needs_arrest": False,
                },
                "agreement": {"agrees_to_engage": True, "consents_to_share_contact": True},
            }
        )
    )
    # a page of the same origin that is not the app, to set up the version 1 database
    page.goto(portal.base_url + "/manifest.webmanifest")
    page.evaluate(
        """(body) => new Promise((resolve, reject) => {
          const now = new Date(Date.now() - 10 * 60 * 1000).toISOString();
          body.encounter.occurred_at = now;
          body.agreement.recorded_at = now;
          const request = indexedDB.open('diversion-portal', 1);
          request.onupgradeneeded = () => {
            const store = request.result.createObjectStore('outbox', { keyPath: 'id' });
            store.createIndex('by_created', 'created_at');
          };
          request.onsuccess = () => {
            const db = request.result;
            const tx = db.transaction('outbox', 'readwrite');
            tx.objectStore('outbox').add({
              id: crypto.randomUUID(), officer: 'demo-officer-1', state: 'queued',
              created_at: now, updated_at: now, attempts: 0, last_error: null, body,
            });
            tx.oncomplete = () => { db.close(); resolve(); };
            tx.onerror = () => reject(tx.error);
          };
          request.onerror = () => reject(request.error);
        })""",
        body,
    )
    open_portal(page, portal)
    sign_in(page)
    page.locator("li[data-state=sent]").wait_for()
    assert portal.referral_count() == 1
    [held] = portal.my_referrals()
    assert held["person"]["family_name"] == "Versionone"
    version = page.evaluate(
        """() => new Promise((resolve) => {
          const request = indexedDB.open('diversion-portal');
          request.onsuccess = () => {
            const db = request.result;
            resolve({ version: db.version, stores: [...db.objectStoreNames] });
            db.close();
          };
        })"""
    )
    assert version == {"version": 3, "stores": ["outbox", "progress", "reference"]}
