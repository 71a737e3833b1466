"""Benchmark reporting-api on ten force-years of history: catching up with the streams live, the
reports' latency, a rebuild, and the service's peak memory.

    .venv/bin/python tests/benchmarks/bench_reporting.py [--forces 10] [--years 1]
        [--seconds 60] [--databases sqlite,postgres] [--postgres-url URL]

A NATS server on a free port and reporting-api under uvicorn (one worker, its own process) on a
fresh migrated database. Then, in order:

1. **Catch-up.** Ten force-years (default: 10 forces x 1 year x 5,000 referrals, every event of
   their journeys, about 300,000 events) made by `reporting_api.synthetic` and published to the
   streams as the services publish (subject = type, `Nats-Msg-Id` = event id) while reporting-api
   consumes them live through its durable consumers: the time from the first publish until every
   consumer has acknowledged the last message of its stream.
2. **Reports.** For `--seconds`, one client GETs each report in turn
   (`/v1/reports/summary|funnel|disproportionality|timeliness|needs|officers`) for one force's
   year, and each report's latency is timed (target: p99 < 200 ms). A report the service's
   OpenAPI document does not list is not built yet: it is listed as missing, not timed.
3. **Rebuild.** `POST /v1/admin/rebuild` (an admin token), then `GET /v1/admin/rebuilds/{n}`
   every 0.2 s until it is `active` (target < 60 s); its facts are checked against the live ones.
4. **Memory.** The service process's peak resident set (`VmHWM` in /proc/PID/status) over the
   whole run (target < 150 MiB).

Results go to test-artifacts/bench/reporting.json and a table on stdout; the exit status is 1
when a target is missed. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
from bench_booking import run_benchmark
from bench_referrals import (
    DEFAULT_POSTGRES_URL,
    Children,
    Databases,
    PostgresDatabases,
    SqliteDatabases,
    background_load,
    base_env,
    core_count,
    percentile,
    source_version,
    start_server,
    wait_for_quiet,
)
from nats.js.errors import NotFoundError
from sqlalchemy import func, select

from reporting_api.projections.models import Generation, GenerationState, ReferralFact
from reporting_api.projections.projector import DURABLE, STREAM_EVENTS
from reporting_api.seed import seed_settings
from reporting_api.synthetic.__main__ import force_names, histories
from reporting_api.synthetic.publish import publish
from servicekit.crypto import new_key
from servicekit.db import Database
from servicekit.devidp import ISSUER, DevIdentityProvider

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_INI = ROOT / "services/reporting-api/alembic.ini"
RESULTS_PATH = ROOT / "test-artifacts/bench/reporting.json"
REPORTS = ("summary", "funnel", "disproportionality", "timeliness", "needs", "officers")

REPORT_P99_MS_MAX = 200.0
REBUILD_SECONDS_MAX = 60.0
PEAK_RSS_MIB_MAX = 150.0


async def seed(database_url: str) -> None:
    """The demonstration force's settings only: the history arrives on the streams."""
    db = Database(database_url)
    try:
        await seed_settings(db)
    finally:
        await db.dispose()


def peak_rss_mib(pid: int) -> float | None:
    """The process's peak resident set so far (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def service_env(
    idp: DevIdentityProvider, database_url: str, nats_url: str, batch: int
) -> dict[str, str]:
    env = {k: v for k, v in base_env().items() if not k.startswith("REPORTING_")}
    env.update(
        {
            "REPORTING_DATABASE_URL": database_url,
            "REPORTING_NATS_URL": nats_url,
            "REPORTING_JWKS_URL": idp.jwks_url,
            "REPORTING_TRUSTED_ISSUERS": json.dumps({ISSUER: ["*"]}),
            "REPORTING_FIELD_KEYS": json.dumps({"bench1": new_key()}),
            "REPORTING_FIELD_KEY_CURRENT": "bench1",
            "REPORTING_JSON_LOGS": "false",
            "REPORTING_REBUILD_BATCH_SIZE": str(batch),
        }
    )
    return env


async def consumers_caught_up(js: Any) -> bool:
    """Whether reporting-api's consumer on every stream has acknowledged its last message."""
    for stream in STREAM_EVENTS:
        try:
            stream_info = await js.stream_info(stream)
            info = await js.consumer_info(stream, DURABLE)
        except NotFoundError:
            return False
        last = stream_info.state.last_seq
        if info.ack_floor.stream_seq < last or info.num_pending or info.num_ack_pending:
            return False
    return True


async def referral_facts(database_url: str) -> dict[int, int]:
    """Referral facts by generation, and which generation is active (key 0)."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            counts = dict(
                (
                    await session.execute(
                        select(ReferralFact.generation, func.count()).group_by(
                            ReferralFact.generation
                        )
                    )
                ).all()
            )
            active = await session.scalar(
                select(Generation.generation).where(Generation.state == GenerationState.active)
            )
        return {0: active or 0, **counts}
    finally:
        await db.dispose()


@dataclass
class Options:
    forces: list[str]
    years: int
    referrals_per_year: int
    seconds: float
    quiet_wait: float
    seed: int
    rebuild_batch: int


async def catch_up(nats_url: str, options: Options, now: datetime) -> dict[str, Any]:
    start = (now - timedelta(days=365 * options.years)).date()
    journeys = histories(
        options.forces,
        start=start,
        years=options.years,
        referrals_per_year=options.referrals_per_year,
        seed=options.seed,
        now=now,
    )
    started = time.perf_counter()
    events = await publish(nats_url, journeys)
    published = time.perf_counter() - started
    print(f"  published {events} events in {published:.1f} s", flush=True)
    nc = await nats.connect(nats_url, name="bench-reporting")
    try:
        js = nc.jetstream()
        while True:
            if await consumers_caught_up(js):
                break
            await asyncio.sleep(0.5)
    finally:
        await nc.close()
    caught_up = time.perf_counter() - started
    print(f"  reporting-api caught up {caught_up:.1f} s after the first publish", flush=True)
    return {
        "events": events,
        "publish_seconds": round(published, 1),
        "events_per_second_published": round(events / published),
        "catch_up_seconds": round(caught_up, 1),
        "events_per_second_consumed": round(events / caught_up),
        "start": start.isoformat(),
    }


async def reports(url: str, token: str, force: str, start: date, seconds: float) -> dict[str, Any]:
    """GET each report in turn for one force's year for `seconds`; latencies by report."""
    params = {
        "force": force,
        "from": start.isoformat(),
        "to": (start + timedelta(days=364)).isoformat(),
    }
    latencies: dict[str, list[float]] = {name: [] for name in REPORTS}
    statuses: dict[str, dict[int, int]] = {name: {} for name in REPORTS}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
        missing = {name for name in REPORTS if f"/v1/reports/{name}" not in paths}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            asked = [name for name in REPORTS if name not in missing]
            if not asked:
                break
            for name in asked:
                began = time.perf_counter()
                answer = await client.get(f"/v1/reports/{name}", params=params)
                elapsed = (time.perf_counter() - began) * 1000
                statuses[name][answer.status_code] = statuses[name].get(answer.status_code, 0) + 1
                if answer.status_code == 200:
                    latencies[name].append(elapsed)
    timed = {
        name: {
            "requests": len(values),
            "p50_ms": round(percentile(values, 50), 1),
            "p99_ms": round(percentile(values, 99), 1),
            "max_ms": round(max(values), 1),
        }
        for name, values in latencies.items()
        if values
    }
    errors = {
        name: {str(code): n for code, n in codes.items() if code != 200}
        for name, codes in statuses.items()
        if name not in missing and any(code != 200 for code in codes)
    }
    return {"timed": timed, "missing": sorted(missing), "errors": errors}


async def rebuild(url: str, token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        started = time.perf_counter()
        answer = await client.post("/v1/admin/rebuild")
        answer.raise_for_status()
        location = answer.headers["Location"]
        while True:
            state = (await client.get(location)).json()
            if state["state"] != "building":
                break
            await asyncio.sleep(0.2)
        seconds = time.perf_counter() - started
    print(f"  rebuild {state['state']} in {seconds:.1f} s", flush=True)
    return {
        "state": state["state"],
        "seconds": round(seconds, 1),
        "events_replayed": state["events_replayed"],
        "generation": state["generation"],
        "error": state["error"],
    }


async def reporting_run(
    databases: Databases, children: Children, workdir: Path, options: Options
) -> dict[str, Any]:
    background = await wait_for_quiet(options.quiet_wait)
    database_url = await databases.fresh()
    nats_server = children.start_nats(workdir / f"nats-{databases.name}")
    idp = DevIdentityProvider(workdir / "devidp")
    server = await start_server(
        children,
        "real",
        service_env(idp, database_url, nats_server.url, options.rebuild_batch),
        workdir,
        ready_path="/ready",
        factory="reporting_api.main:app",
    )
    now = datetime.now(UTC)
    analyst = idp.token(role="analyst", forces=options.forces)
    admin = idp.token(role="admin", forces=options.forces)
    try:
        caught = await catch_up(nats_server.url, options, now)
        rss_after_catch_up = peak_rss_mib(server.process.pid)
        live = await referral_facts(database_url)
        timed = await reports(
            server.url, analyst, options.forces[0], date.fromisoformat(caught["start"]),
            options.seconds,
        )  # fmt: skip
        rebuilt = await rebuild(server.url, admin)
        after = await referral_facts(database_url)
        rss = peak_rss_mib(server.process.pid)
        if server.process.poll() is not None:
            raise RuntimeError(f"reporting-api died during the run:\n{server.log_tail()}")
    finally:
        tail = server.log_tail()
        Children.stop(server.process)
        nats_server.stop()
    referrals = len(options.forces) * options.years * options.referrals_per_year
    result: dict[str, Any] = {
        "background_cpu_before": round(background, 2) if background is not None else None,
        "catch_up": caught,
        "referral_facts_live": live.get(live[0], 0),
        "reports": timed,
        "rebuild": rebuilt,
        "referral_facts_rebuilt": after.get(after[0], 0),
        "peak_rss_mib_after_catch_up": round(rss_after_catch_up or 0, 1),
        "peak_rss_mib": round(rss, 1) if rss is not None else None,
        "referrals": referrals,
    }
    if rebuilt["state"] != "active" or timed["errors"]:
        result["log_tail"] = tail
    return result


def checks_of(result: dict[str, Any]) -> dict[str, bool]:
    timed = result["reports"]["timed"]
    return {
        "every_referral_projected": result["referral_facts_live"] == result["referrals"],
        "reports_p99_under_target": all(r["p99_ms"] < REPORT_P99_MS_MAX for r in timed.values()),
        "no_report_errors": not result["reports"]["errors"],
        "rebuild_active": result["rebuild"]["state"] == "active",
        "rebuild_under_target": result["rebuild"]["seconds"] < REBUILD_SECONDS_MAX,
        "rebuild_has_every_referral": result["referral_facts_rebuilt"] == result["referrals"],
        "peak_rss_under_target": (result["peak_rss_mib"] or 0) < PEAK_RSS_MIB_MAX,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--forces", default="10", help="a number of forces, or their ids, comma-separated"
    )
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--referrals-per-year", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60.0, help="of report requests")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--quiet-wait", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rebuild-batch", type=int, default=1000, help="REPORTING_REBUILD_BATCH_SIZE"
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    args = parser.parse_args(argv)
    args.database_list = [d.strip() for d in args.databases.split(",") if d.strip()]
    if set(args.database_list) - {"sqlite", "postgres"}:
        parser.error("--databases takes sqlite, postgres or both")
    return args


async def run(args: argparse.Namespace, children: Children, workdir: Path) -> dict[str, Any]:
    options = Options(
        force_names(args.forces),
        args.years,
        args.referrals_per_year,
        args.seconds,
        args.quiet_wait,
        args.seed,
        args.rebuild_batch,
    )
    idle = await background_load()
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source_version(),
        "command": " ".join(
            [".venv/bin/python", "tests/benchmarks/bench_reporting.py", *sys.argv[1:]]
        ),
        "machine": {
            **core_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "background_cpu_cores_at_start": round(idle, 2) if idle is not None else None,
        },
        "options": vars(options),
        "targets": {
            "report_p99_ms_max": REPORT_P99_MS_MAX,
            "rebuild_seconds_max": REBUILD_SECONDS_MAX,
            "peak_rss_mib_max": PEAK_RSS_MIB_MAX,
        },
        "databases": {},
    }
    print(
        f"{len(options.forces)} forces x {options.years} year(s) x {options.referrals_per_year} "
        f"referrals published and consumed live; {options.seconds:g} s of reports; a rebuild",
        flush=True,
    )
    for name in args.database_list:
        databases: Databases = (
            SqliteDatabases(workdir, alembic_ini=ALEMBIC_INI, seed=seed)
            if name == "sqlite"
            else PostgresDatabases(args.postgres_url, alembic_ini=ALEMBIC_INI, seed=seed)
        )
        print(f"\n--- {name} ---", flush=True)
        reason = await databases.unavailable()
        if reason is not None:
            print(f"  skipped: PostgreSQL at {args.postgres_url} is unreachable ({reason})")
            report["databases"][name] = {"skipped": f"unreachable: {reason}"}
            continue
        try:
            await databases.prepare()
            result = await reporting_run(databases, children, workdir, options)
        finally:
            await databases.cleanup()
        checks = checks_of(result)
        report["databases"][name] = {**result, "checks": checks, "passed": all(checks.values())}
    return report


def print_report(report: dict[str, Any]) -> None:
    print(f"\n{'':10} {'':22} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, result in report["databases"].items():
        if "skipped" in result:
            print(f"{name:10} skipped: {result['skipped']}")
            continue
        for report_name in REPORTS:
            r = result["reports"]["timed"].get(report_name)
            if r is None:
                state = "missing" if report_name in result["reports"]["missing"] else "errors"
                print(f"{name:10} {report_name:22} {state:>8}")
                continue
            print(
                f"{name:10} {report_name:22} {r['requests']:8d} {r['p50_ms']:8.1f} "
                f"{r['p99_ms']:8.1f} {r['max_ms']:8.1f}"
            )
        caught = result["catch_up"]
        print(
            f"{name:10} {caught['events']} events: published in {caught['publish_seconds']} s, "
            f"consumed live in {caught['catch_up_seconds']} s "
            f"({caught['events_per_second_consumed']} events/s)"
        )
        print(
            f"{name:10} rebuild {result['rebuild']['state']} in {result['rebuild']['seconds']} s "
            f"(target < {REBUILD_SECONDS_MAX:g}); peak RSS {result['peak_rss_mib']} MiB "
            f"(target < {PEAK_RSS_MIB_MAX:g}); report p99 target < {REPORT_P99_MS_MAX:g} ms"
        )
        failed = [check for check, ok in result["checks"].items() if not ok]
        print(f"{name:10} {'PASS' if result['passed'] else 'FAIL: ' + ', '.join(failed)}")


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(parse_args(argv), run, print_report, prefix="bench-reporting-")


if __name__ == "__main__":
    sys.exit(main())
