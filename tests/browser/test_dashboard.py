"""The reporting dashboard in a real browser against a real reporting-api: an analyst signs in,
sees a year of figures as charts and tables, switches the ethnicity coding, saves a table as
CSV, and the page holds to the accessibility bar at laptop and tablet sizes.

reporting-api runs under uvicorn on a free port with a migrated database seeded as `make run`
seeds it: the demonstration force's uploads and its synthetic year (about 5,000 referrals,
through the scheme's events).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_driver import SCREENSHOTS, ServerThread, axe_violations, run_async

from reporting_api.config import Settings
from reporting_api.main import create_app
from reporting_api.seed import seed
from servicekit.db import Database
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.databases import TemplateDatabases

pytestmark = pytest.mark.browser

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "services/reporting-api/alembic.ini"
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}
ANALYST = "Sam Patel"
REPORTS = ("summary", "funnel", "timeliness", "disproportionality", "needs", "officers")
CHARTED = {"volumes", "funnel", "timeliness", "timeliness_by_period", "rates", "stages"}

# every Content-Security-Policy violation the page causes, and every console error
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.lineNumber}`);
});
"""


# ---- the demonstration force's year ------------------------------------------------------------


async def seeded(database_url: str) -> None:
    """What `make run` seeds for demo: its settings, its population, baseline and recorded
    offences, and the synthetic year of its history through the scheme's events."""
    db = Database(database_url)
    try:
        await seed(db)
    finally:
        await db.dispose()


# ---- the service --------------------------------------------------------------------------------


@dataclass
class Dashboard:
    base_url: str
    dev_idp: DevIdentityProvider

    def token(self) -> str:
        return self.dev_idp.token(role="analyst", forces=["demo"], subject="demo-analyst-1")

    def get(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(
            self.base_url + path,
            params=params,
            headers={"Authorization": f"Bearer {self.token()}", **params.pop("headers", {})},  # type: ignore[arg-type]
            timeout=30,
        )


def serve(database_url: str, dev_idp: DevIdentityProvider, settings: dict[str, Any], dev: bool):
    app = create_app(
        Settings(
            database_url=database_url,
            nats_url=None,
            jwks_url=dev_idp.jwks_url,
            json_logs=False,
            dev_idp_dir=str(dev_idp.directory) if dev else None,
            **settings,
        ),
        start_background=False,
    )
    server = ServerThread(app)
    server.start()
    return server


@pytest.fixture
def reporting_url(browser_databases: TemplateDatabases) -> str:
    async def fresh() -> str:
        url = await browser_databases.fresh(ALEMBIC_INI)
        await seeded(url)
        return url

    return run_async(fresh)


def _dashboard(
    reporting_url: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
    dev: bool,
) -> Iterator[Dashboard]:
    settings = {
        "trusted_issuers": trusted_issuers,
        "field_keys": field_keys,
        "field_key_current": "k1",
    }
    server = serve(reporting_url, dev_idp, settings, dev)
    try:
        yield Dashboard(f"http://127.0.0.1:{server.port}", dev_idp)
    finally:
        server.stop()


@pytest.fixture
def dashboard(
    reporting_url: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
) -> Iterator[Dashboard]:
    yield from _dashboard(reporting_url, dev_idp, trusted_issuers, field_keys, dev=True)


@pytest.fixture
def token_dashboard(
    reporting_url: str,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
    field_keys: dict[str, str],
) -> Iterator[Dashboard]:
    yield from _dashboard(reporting_url, dev_idp, trusted_issuers, field_keys, dev=False)


# ---- looking at the page ------------------------------------------------------------------------


def open_dashboard(page: Any, dashboard: Dashboard) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(WATCH)
    page.goto(dashboard.base_url + "/dashboard")
    page.wait_for_selector("html[data-ready=true]")
    return errors


def wait_for_figures(page: Any) -> None:
    page.wait_for_selector("main[data-loaded=true]")


def shown(cell: Any, kind: str) -> str:
    """What the page shows for a cell: the dashboard's formatting, worked out independently."""
    if cell is None:
        return "\N{EN DASH}not applicable"  # a dash, and words for screen readers
    if isinstance(cell, str):
        if kind == "category":
            text = cell.replace("_", " ")
            return text[:1].upper() + text[1:]
        return cell
    digits = {"count": 0, "percent": 1, "rate": 1, "ratio": 2, "days": 1, "hours": 0}[kind]
    # the browser (ICU) rounds the number's shortest decimal form (0.745, not the double's
    # 0.74499...), a tie away from zero (ECMA-402 halfExpand); Python's repr is that form too
    exact = Decimal(repr(cell)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{exact:,.{digits}f}"
    return text + ("%" if kind == "percent" else "")


def page_table(page: Any, report: str, table: str) -> list[list[str]]:
    return list(
        page.locator(f"[data-report={report}] table[data-table={table}] tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
        )
    )


def assert_tables_match_the_api(
    page: Any, dashboard: Dashboard, params: dict[str, str]
) -> tuple[int, bool]:
    """Every table of every report shows exactly the API's cells; the number of tables, and
    whether any cell was suppressed."""
    tables = 0
    marked = False
    for report in REPORTS:
        body = dashboard.get(f"/v1/reports/{report}", **params).json()
        for table in body["tables"]:
            if report == "summary" and table["id"] == "funnel":
                continue  # drawn once, in the funnel's own section
            expected = [
                [shown(row.get(col["key"]), col["kind"]) for col in table["columns"]]
                for row in table["rows"]
            ]
            if len(expected) == 1 and all(c["kind"] != "category" for c in table["columns"]):
                # one row of figures is shown a figure a line: its label, then its value
                expected = [
                    [c["label"], v] for c, v in zip(table["columns"], expected[0], strict=True)
                ]
            marked = marked or any(
                isinstance(v, str) and (v == "[c]" or v.startswith("<"))
                for row in table["rows"]
                for v in row.values()
            )
            got = page_table(page, report, table["id"])
            assert got == (expected or [["No figures for this period."]]), f"{report}/{table['id']}"
            caption = page.locator(
                f"[data-report={report}] table[data-table={table['id']}] caption"
            )
            assert caption.text_content() == table["title"]
            tables += 1
    return tables, marked


def shoot(page: Any, name: str, size: dict[str, int]) -> None:
    page.set_viewport_size(size)
    page.wait_for_timeout(300)  # the charts redraw at the new width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-first-screen.png"))  # what is seen first
    for section in ("summary", "disproportionality"):  # closer looks at the busiest charts
        page.locator(f"[data-report={section}]").screenshot(
            path=str(SCREENSHOTS / f"{name}-{section}.png")
        )
    overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, f"{name}: the page scrolls sideways"
    violations = axe_violations(page)
    assert not violations, f"{name}: axe found {violations}"


# ---- the tests ----------------------------------------------------------------------------------


def test_an_analyst_signs_in_and_reads_a_year_of_figures(page: Any, dashboard: Dashboard) -> None:
    page.set_viewport_size(LAPTOP)
    errors = open_dashboard(page, dashboard)
    # by keyboard alone: tab to the demonstration analyst and press Enter
    for _ in range(10):
        page.keyboard.press("Tab")
        if ANALYST in page.evaluate("document.activeElement.textContent"):
            break
    page.keyboard.press("Enter")
    wait_for_figures(page)
    params = {
        "force": page.locator("#force").input_value(),
        "from": page.locator("#from").input_value(),
        "to": page.locator("#to").input_value(),
        "interval": page.locator("#interval").input_value(),
    }
    assert params["force"] == "demo" and params["interval"] == "month"
    # a year to today, both days included
    assert date.fromisoformat(params["to"]) == date.today()
    today = date.today()
    year_ago = date(today.year - 1, today.month, min(today.day, 28 if today.month == 2 else 30))
    assert year_ago <= date.fromisoformat(params["from"]) <= year_ago + timedelta(days=2)

    # the key figures as large numbers, the API's own
    overview = dashboard.get("/v1/reports/summary", **params).json()
    row = next(t for t in overview["tables"] if t["id"] == "overview")["rows"][0]
    referrals = page.locator("[data-figures=overview] dd").first.text_content()
    assert referrals == shown(row["referrals"], "count")

    # every table, as the API gives it; markers as they are, explained below the table
    tables, marked = assert_tables_match_the_api(page, dashboard, params)
    assert tables >= 6
    if marked:
        assert page.get_by_text("<5 means fewer than 5").first.is_visible()

    # a chart for each table the page knows, drawn, with a summary for screen readers
    charts = page.locator("canvas[role=img]")
    drawn = {
        page.evaluate(
            "c => c.closest('[data-block]').dataset.block", charts.nth(i).element_handle()
        )
        for i in range(charts.count())
    }
    assert drawn == CHARTED & drawn and {"volumes", "funnel", "rates"} <= drawn
    for i in range(charts.count()):
        canvas = charts.nth(i)
        assert canvas.get_attribute("aria-label").endswith("The table gives every figure.")
        assert page.evaluate(
            "c => Chart.getChart(c) !== undefined && c.width > 0", canvas.element_handle()
        )

    # the intervals: a floating bar from low to high and a point at the ratio
    rates = page.evaluate(
        "() => { const c = Chart.getChart(document.querySelector('[data-block=rates] canvas'));"
        " return c.data.datasets.map(d => d.data); }"
    )
    api_rates = next(
        t
        for t in dashboard.get(
            "/v1/reports/disproportionality", coding="self_defined", **params
        ).json()["tables"]
        if t["id"] == "rates"
    )["rows"]
    expected_bars = [
        [r["ci_low"], r["ci_high"]]
        if isinstance(r["ci_low"], int | float) and isinstance(r["ci_high"], int | float)
        else None
        for r in api_rates
    ]
    assert rates[1] == expected_bars

    shoot(page, "dashboard-laptop", LAPTOP)
    shoot(page, "dashboard-tablet", TABLET)
    assert page.evaluate("window.__violations") == [], "the page broke its own policy"
    assert errors == []


def test_the_observed_coding_redraws_disproportionality(page: Any, dashboard: Dashboard) -> None:
    page.set_viewport_size(LAPTOP)
    open_dashboard(page, dashboard)
    page.get_by_role("button", name=f"Sign in as {ANALYST}").click()
    wait_for_figures(page)
    with page.expect_request(lambda r: "/v1/reports/disproportionality" in r.url) as request:
        page.get_by_role("radio", name="As the officer observed it").check()
    assert "coding=observed" in request.value.url
    page.wait_for_selector("[data-report=disproportionality][data-loaded=true]:not([aria-busy])")
    params = dict(p.split("=") for p in request.value.url.split("?")[1].split("&"))
    api = dashboard.get("/v1/reports/disproportionality", **params).json()
    rates = next(t for t in api["tables"] if t["id"] == "rates")
    got = page_table(page, "disproportionality", "rates")
    assert [r[0] for r in got] == [shown(r["ethnic_group"], "category") for r in rates["rows"]]
    # the choice stays made, for the keyboard user who made it
    assert page.get_by_role("radio", name="As the officer observed it").is_checked()


def test_a_table_is_saved_as_csv_without_the_token_in_any_url(
    page: Any, dashboard: Dashboard
) -> None:
    page.set_viewport_size(LAPTOP)
    open_dashboard(page, dashboard)
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.get_by_role("button", name=f"Sign in as {ANALYST}").click()
    wait_for_figures(page)
    button = page.locator("[data-report=funnel] button", has_text="Download this table as CSV")
    with page.expect_download() as download:
        button.click()
    saved = Path(download.value.path()).read_bytes().decode()
    params = {
        "force": "demo",
        "from": page.locator("#from").input_value(),
        "to": page.locator("#to").input_value(),
        "interval": "month",
        "table": "funnel",
    }
    api = httpx.get(
        dashboard.base_url + "/v1/reports/funnel",
        params=params,
        headers={"Authorization": f"Bearer {dashboard.token()}", "Accept": "text/csv"},
    )
    assert saved == api.text
    assert next(csv.reader(io.StringIO(saved)))[0] == "Stage"
    assert (
        download.value.suggested_filename
        == f"funnel_funnel_demo_{params['from']}_{params['to']}.csv"
    )
    token = page.evaluate("sessionStorage.getItem('reporting-dashboard-token')")
    assert token and not [u for u in urls if token in u]


def test_without_the_development_sign_in_a_pasted_token_is_used(
    page: Any, token_dashboard: Dashboard
) -> None:
    page.set_viewport_size(TABLET)
    open_dashboard(page, token_dashboard)
    page.get_by_label("Bearer token").fill("not a token")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").filter(has_text="paste the whole token").is_visible()
    page.get_by_label("Bearer token").fill(token_dashboard.token())
    page.get_by_role("button", name="Sign in").click()
    wait_for_figures(page)
    assert page.locator("[data-figures=overview] dd").first.text_content()
    # kept for this tab only: a reload stays signed in, a sign-out forgets it
    page.reload()
    wait_for_figures(page)
    page.get_by_role("button", name="Sign out").click()
    assert page.evaluate("sessionStorage.length") == 0
    assert page.get_by_label("Bearer token").is_visible()


def test_an_expired_sign_in_asks_to_sign_in_again(page: Any, dashboard: Dashboard) -> None:
    expired = dashboard.dev_idp.token(
        role="analyst", forces=["demo"], subject="demo-analyst-1", ttl_seconds=-60
    )
    page.add_init_script(f"sessionStorage.setItem('reporting-dashboard-token', {expired!r})")
    open_dashboard(page, dashboard)
    assert page.get_by_role("alert").filter(has_text="sign in again").is_visible()
    assert page.get_by_role("button", name=f"Sign in as {ANALYST}").is_visible()


def test_a_period_that_ends_before_it_starts_is_explained(page: Any, dashboard: Dashboard) -> None:
    open_dashboard(page, dashboard)
    page.get_by_role("button", name=f"Sign in as {ANALYST}").click()
    wait_for_figures(page)
    page.get_by_label("From", exact=True).fill("2026-06-01")
    page.get_by_label("To (included)", exact=True).fill("2026-05-31")
    page.get_by_role("button", name="Show figures").click()
    alert = page.get_by_role("alert").filter(has_text="Check the period")
    assert alert.is_visible()
    assert "on or before the last" in alert.text_content()
