"""Driving the officers' portal in a real browser against the real referral-api.

Each test gets its own migrated, seeded database and its own referral-api served by uvicorn on
a free port, with the PWA from pwa/ at `/` and the development sign-in enabled. Headless
Chromium is Debian's (/usr/bin/chromium), driven by Playwright; without it these tests skip.

Every screen a test visits can be `capture`d: a 360 px wide screenshot into
test-artifacts/screenshots/, an axe-core audit (no serious or critical WCAG 2.2 A/AA
violation), a check that every control is at least 44 px in each direction, and a check that
nothing scrolls sideways.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from referral_api.config import Settings
from referral_api.main import create_app
from referral_api.referrals.models import Referral
from servicekit.crypto import new_key
from servicekit.db import Database
from servicekit.devidp import DevIdentityProvider

ROOT = Path(__file__).resolve().parents[2]
PWA_DIR = ROOT / "pwa"
ALEMBIC_INI = ROOT / "services" / "referral-api" / "alembic.ini"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 800}
OFFICER = "PC 4521 Alex Morgan"
OFFICER_SUBJECT = "demo-officer-1"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MIN_TARGET_PX = 44

T = TypeVar("T")


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine from a synchronous test, on its own loop in its own thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()  # type: ignore[arg-type]


def launch_options() -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "the browser tests need Debian's Chromium at /usr/bin/chromium "
            "(apt-get install -y chromium); CI installs it"
        )
    return {"executable_path": str(CHROMIUM), "args": LAUNCH_ARGS}


def context_options() -> dict[str, Any]:
    return {
        "viewport": PHONE,
        "locale": "en-GB",
        "timezone_id": "Europe/London",
        "service_workers": "allow",
    }


# ---- referral-api, for real ---------------------------------------------------------------


class Signal:
    """The phone's signal, as the server sees it: while it is off, a referral sent is refused
    with 503 and stays queued on the phone.

    Chromium's offline switch (`BrowserContext.set_offline`) cuts the page's requests but not
    the service worker's own, so a queued referral could still reach the server through the
    worker's background send. Tests that take the phone out of signal switch both.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.on = True

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        unreachable = (
            not self.on
            and scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == "/v1/referrals"
        )
        if not unreachable:
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b""})


class ServerThread:
    """uvicorn serving an app on an already-bound socket (no race for the port)."""

    def __init__(self, app: Any) -> None:
        self.signal = Signal(app)
        app = self.signal
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("referral-api did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


@dataclass
class Portal:
    """A running referral-api with the PWA, and ways to look at what it holds."""

    base_url: str
    settings: Settings
    dev_idp: DevIdentityProvider
    extras: dict[str, Any] = field(default_factory=dict)
    signal: Signal | None = None

    def token(self, subject: str = OFFICER_SUBJECT, role: str = "officer") -> str:
        return self.dev_idp.token(role=role, forces=["demo"], subject=subject)

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.base_url + path, headers=headers, timeout=10, **kwargs)

    def referral_count(self) -> int:
        """Rows in the referrals table: what the server really holds."""

        async def count() -> int:
            db = Database(self.settings.database_url)
            try:
                async with db.session() as session:
                    return int(await session.scalar(select(func.count()).select_from(Referral)))
            finally:
                await db.dispose()

        return run_async(count)

    def my_referrals(self) -> list[dict[str, Any]]:
        response = self.api("GET", "/v1/referrals?limit=100")
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


def serve_portal(
    database_url: str,
    dev_idp: DevIdentityProvider | None,
    jwks_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    assessment_keypair: tuple[str, str],
    *,
    pwa_dir: Path = PWA_DIR,
    **extra_settings: Any,
) -> tuple[ServerThread, Settings]:
    # Some tests change a force's settings mid-test, standing for time passing while an officer
    # is out of signal; a deployment caches them for 30 s, so here the change applies at once.
    extra_settings.setdefault("scheme_cache_seconds", 0)
    settings = Settings(
        database_url=database_url,
        nats_url=None,
        jwks_url=jwks_idp.jwks_url,
        trusted_issuers=trusted_issuers,
        field_keys=field_keys,
        field_key_current="k1",
        identity_key=new_key(),
        assessment_public_key=assessment_keypair[1],
        pwa_dir=str(pwa_dir),
        dev_idp_dir=str(dev_idp.directory) if dev_idp else None,
        json_logs=False,
        **extra_settings,
    )
    server = ServerThread(create_app(settings, start_background=False))
    server.start()
    return server, settings


# ---- the browser ----------------------------------------------------------------------------


# ---- looking at each screen -------------------------------------------------------------------


def axe_violations(page: Any) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


SMALL_TARGETS = """(minimum) => {
  const controls = document.querySelectorAll(
    'a[href], button, select, textarea, label.radio, label.checkbox,'
    + ' input:not([type=radio]):not([type=checkbox]):not([type=hidden])');
  const small = [];
  for (const el of controls) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (el.classList.contains('skip-link')) continue;  // off screen until focused
    if (box.height < minimum - 0.5 || box.width < minimum - 0.5) {
      small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.id).trim().slice(0, 40)}"`
        + ` ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def capture(page: Any, name: str) -> None:
    """Screenshot the screen, and hold it to the accessibility bar."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    violations = axe_violations(page)
    assert not violations, f"{name}: axe found {violations}"
    small = page.evaluate(SMALL_TARGETS, MIN_TARGET_PX)
    assert not small, f"{name}: touch targets under {MIN_TARGET_PX}px: {small}"
    assert page.evaluate(OVERFLOW) <= 0, f"{name}: the page scrolls sideways at 360px"


# ---- driving the portal -------------------------------------------------------------------------


def open_portal(page: Any, portal: Portal, path: str = "/") -> Any:
    response = page.goto(portal.base_url + path)
    page.wait_for_selector("html[data-ready=true]")
    return response


def sign_in(page: Any, officer: str = OFFICER) -> None:
    page.get_by_role("button", name=officer).click()
    page.get_by_role("heading", level=1, name="Referrals").wait_for()


def wait_for_service_worker(page: Any) -> None:
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def years_ago(years: int, days: int = 0) -> str:
    today = date.today()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return date.fromordinal(born.toordinal() - days).isoformat()


@dataclass
class Person:
    given_name: str = "Jordan"
    family_name: str = "Example"
    date_of_birth: str = field(default_factory=lambda: years_ago(27, 40))
    gender: str = "Male"
    ethnicity: str = "B1"
    observed: str = "IC3 Black"
    phone: str = "07700 900123"
    email: str = ""
    postcode: str = "B1 1AA"


ANSWERS_ELIGIBLE = {
    "Is the drug for the person's own use only?": "Yes",
    "Are there any indicators of supply?": "No",
    "Is there another offence at this encounter that needs an arrest?": "No",
}


def continue_(page: Any) -> None:
    page.locator("#continue").click()


def radio(page: Any, group_label: str, option: str) -> None:
    page.get_by_role("group", name=group_label).get_by_label(option, exact=True).check()


def fill_date_of_birth(page: Any, iso_date: str) -> None:
    """Type a date of birth as a person says it: day, month and year, in their own fields."""
    year, month, day = iso_date.split("-")
    group = page.get_by_role("group", name="Date of birth")
    group.get_by_label("Day").fill(str(int(day)))
    group.get_by_label("Month").fill(str(int(month)))
    group.get_by_label("Year").fill(year)


def fill_person(page: Any, person: Person) -> None:
    page.get_by_label("First name").fill(person.given_name)
    page.get_by_label("Last name").fill(person.family_name)
    fill_date_of_birth(page, person.date_of_birth)
    radio(page, "Gender", person.gender)
    page.get_by_label("Ethnic group, as the person describes it").select_option(person.ethnicity)
    radio(page, "Ethnicity you observed (IC code)", person.observed)


def fill_contact(page: Any, person: Person) -> None:
    page.get_by_label("Phone number").fill(person.phone)
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Postcode").fill(person.postcode)


def fill_encounter(page: Any, area: str = "City Centre") -> None:
    radio(page, "Area", area)
    page.get_by_label("Place").fill("Corporation Street")
    radio(page, "How the encounter arose", "Stop and search")


def fill_substances(page: Any) -> None:
    page.get_by_label("What was found").select_option("cannabis")
    page.get_by_label("Estimated quantity").fill("3.5")


def answer(page: Any, answers: dict[str, str]) -> None:
    for question, choice in answers.items():
        radio(page, question, choice)


def agree(page: Any) -> None:
    radio(page, "Does the person agree to engage with the drug intervention?", "Yes")
    radio(
        page,
        "Does the person agree to their contact details being shared with the drug service?",
        "Yes",
    )


def heading(page: Any, text: str) -> None:
    page.get_by_role("heading", level=1, name=text).wait_for()


def make_referral(
    page: Any,
    person: Person,
    *,
    area: str = "City Centre",
    shots: str | None = None,
) -> None:
    """Fill every step from home and submit; `shots` names screenshots of each step."""

    def shot(step: str) -> None:
        if shots:
            capture(page, f"{shots}-{step}")

    page.get_by_role("link", name="Start a new referral").click()
    heading(page, "The person")
    fill_person(page, person)
    shot("1-person")
    continue_(page)
    heading(page, "Contact and needs")
    fill_contact(page, person)
    shot("2-contact")
    continue_(page)
    heading(page, "The encounter")
    fill_encounter(page, area)
    shot("3-encounter")
    continue_(page)
    heading(page, "Substances found")
    fill_substances(page)
    shot("4-substances")
    continue_(page)
    heading(page, "Eligibility")
    answer(page, ANSWERS_ELIGIBLE)
    shot("5-eligibility")
    continue_(page)
    heading(page, "Agreement and consent")
    agree(page)
    shot("6-agreement")
    continue_(page)
    heading(page, "Check and submit")
    if shots:
        page.get_by_text("Checked with your force\u2019s records: eligible.").wait_for()
    shot("7-review")
    continue_(page)


def entry(page: Any, text: str) -> Any:
    """The outbox entry on screen that mentions `text` (a name or a reference)."""
    return page.locator("li[data-entry]", has_text=text)


IDB_DUMP = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('diversion-portal');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const dump = {};
  for (const name of db.objectStoreNames) {
    dump[name] = await new Promise((resolve, reject) => {
      const request = db.transaction(name).objectStore(name).getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  db.close();
  return dump;
}"""


def device_storage(page: Any) -> dict[str, list[dict[str, Any]]]:
    """Everything the portal keeps in IndexedDB on the phone."""
    return dict(page.evaluate(IDB_DUMP))
