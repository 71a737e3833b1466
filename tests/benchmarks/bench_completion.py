"""Benchmark attendance reaching the police: a facilitator marks a person attended in
scheduling-api, and referral-api shows the referral `completed`.

    .venv/bin/python tests/benchmarks/bench_completion.py [--rate 20] [--seconds 15]
        [--databases sqlite,postgres] [--postgres-url URL]

A NATS server on a free port, referral-api and scheduling-api each alone in a uvicorn process
on a fresh migrated database. Referrals are made through referral-api's API (as officers make
them), assessed as assessment-api publishes it, and booked by scheduling-api; then their sessions'
time comes (their start is moved into the past in scheduling-api's database: the clock is the
one thing the API cannot move). The measured run marks one person attended at a time, 20 a
second on a fixed schedule (open loop), and times each mark at three points:

- the facilitator's answer (`POST /v1/sessions/{id}/attendance`),
- `intervention.completed.v1` on the bus (scheduling-api's outbox relay),
- `referral.closed.v1` on the bus: referral-api has consumed the completion, set the referral
  `completed` and closed it in one transaction, and its relay has published the close. The
  referral reads `completed` from that commit on, so this is the figure the target is for,
  with referral-api's own publish hop on top.

The differences between the three are where the time goes. Every mark must close its referral
exactly once. Results go to test-artifacts/bench/completion.json; exit status 1 when the target
is missed. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
from bench_booking import ALEMBIC_INI as SCHEDULING_ALEMBIC_INI
from bench_booking import assessments, run_benchmark, seeder, wait_until
from bench_booking import real_env as scheduling_env
from bench_referrals import (
    DEFAULT_POSTGRES_URL,
    Children,
    Databases,
    EventTally,
    PostgresDatabases,
    Secrets,
    SqliteDatabases,
    Workload,
    background_load,
    core_count,
    no_gc_pauses,
    percentile,
    real_env,
    source_version,
    start_server,
    wait_for_quiet,
)
from nats.js.api import DeliverPolicy
from sqlalchemy import update

from scheduling_api.sessions.models import Session
from servicekit.db import Database
from servicekit.devidp import DevIdentityProvider

ROOT = Path(__file__).resolve().parents[2]
RESULTS_PATH = ROOT / "test-artifacts/bench/completion.json"
COMPLETION_P99_MS_MAX = 250.0
FACILITATOR = "bench-facilitator"  # who runs the sessions bench_booking seeds


@dataclass
class Options:
    rate: float
    seconds: float
    warmup: int
    quiet_wait: float


@dataclass
class Mark:
    referral_id: str
    booking_id: str
    session_id: str


async def refer(referrals_url: str, token: str, n: int) -> list[str]:
    """`n` referrals made through referral-api, as officers make them; their ids."""
    workload = Workload(token)
    made: list[str] = []
    async with httpx.AsyncClient(base_url=referrals_url, timeout=30) as client:
        for content, headers in workload.requests(n):
            answer = await client.post("/v1/referrals", content=content, headers=headers)
            answer.raise_for_status()
            made.append(answer.json()["id"])
    return made


async def book(js: Any, referral_ids: list[str], rng: random.Random) -> dict[str, Mark]:
    """Each referral assessed (as assessment-api publishes it) for a cannabis group and booked
    by scheduling-api; its booking, read from the bus."""
    events = assessments(len(referral_ids), rng)
    booked: dict[str, Mark] = {}

    async def on_booked(msg: Any) -> None:
        data = json.loads(msg.data)["data"]
        booked[data["referral_id"]] = Mark(
            data["referral_id"], data["booking_id"], data["session_id"]
        )

    subscription = await js.subscribe(
        "session.booked.v1", cb=on_booked, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
    )
    for referral_id, (_, payload, event_id) in zip(referral_ids, events, strict=True):
        # the event as assessment-api publishes it, for this referral
        event = json.loads(payload)
        event["subject"] = referral_id
        event["data"]["referral_id"] = referral_id
        event["data"]["pathway"] = event["data"]["proposed_pathway"] = "cannabis_group"
        await js.publish(
            "assessment.completed.v1",
            json.dumps(event).encode(),
            headers={"Nats-Msg-Id": event_id},
        )
    await wait_until(lambda: len(booked) >= len(referral_ids), seconds=120)
    await subscription.unsubscribe()
    missing = set(referral_ids) - set(booked)
    if missing:
        raise RuntimeError(f"{len(missing)} assessments were not booked")
    return booked


async def sessions_begin(database_url: str, session_ids: set[str]) -> None:
    """The sessions' time comes."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            await session.execute(
                update(Session)
                .where(Session.id.in_([uuid.UUID(s) for s in session_ids]))
                .values(starts_at=datetime.now(UTC) - timedelta(minutes=10))
            )
            await session.commit()
    finally:
        await db.dispose()


async def mark_on_schedule(
    sessions_url: str, token: str, marks: list[Mark], rate: float
) -> tuple[dict[str, float], dict[str, float], int]:
    """Mark each person attended at fixed times (i / rate): when each mark was sent, when its
    answer came, and how many answers were not 200."""
    sent_at: dict[str, float] = {}
    answered_at: dict[str, float] = {}
    failed = 0
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)

    async with httpx.AsyncClient(base_url=sessions_url, timeout=30, limits=limits) as client:

        async def send(mark: Mark) -> None:
            nonlocal failed
            started = time.perf_counter()
            answer = await client.post(
                f"/v1/sessions/{mark.session_id}/attendance",
                json={"marks": [{"booking_id": mark.booking_id, "outcome": "attended"}]},
                headers=headers,
            )
            if answer.status_code != 200:
                failed += 1
                return
            sent_at[mark.referral_id] = started
            answered_at[mark.referral_id] = time.perf_counter()

        tasks: list[asyncio.Task[None]] = []
        begin = time.perf_counter() + 0.05
        for i, mark in enumerate(marks):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(mark)))
        await asyncio.gather(*tasks)
    return sent_at, answered_at, failed


def stage(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2) if latencies else float("nan"),
    }


async def completion_run(
    name: str,
    referral_dbs: Databases,
    scheduling_dbs: Databases,
    children: Children,
    workdir: Path,
    options: Options,
) -> dict[str, Any]:
    measured_count = max(1, round(options.rate * options.seconds))
    total = options.warmup + measured_count
    background = await wait_for_quiet(options.quiet_wait)
    secrets = Secrets(DevIdentityProvider(workdir / "devidp"))
    referral_url = await referral_dbs.fresh()
    scheduling_url = await scheduling_dbs.fresh()
    nats_server = children.start_nats(workdir / f"nats-{name}")
    referrals = await start_server(
        children,
        "real",
        real_env(secrets, referral_url, nats_server.url),
        workdir,
        ready_path="/ready",
    )
    sessions = await start_server(
        children,
        "real",
        scheduling_env(secrets.idp, scheduling_url, nats_server.url),
        workdir,
        ready_path="/ready",
        factory="scheduling_api.main:app",
    )
    facilitator = secrets.idp.token(role="facilitator", forces=["demo"], subject=FACILITATOR)
    rng = random.Random(7)
    arrivals: dict[str, list[tuple[float, bytes]]] = {
        "intervention.completed.v1": [],
        "referral.closed.v1": [],
    }
    nc = await nats.connect(nats_server.url, name="bench-completion")
    try:
        js = nc.jetstream()
        referral_ids = await refer(referrals.url, secrets.token, total)
        booked = await book(js, referral_ids, rng)
        await sessions_begin(scheduling_url, {m.session_id for m in booked.values()})

        def recorder(subject: str) -> Any:
            async def on_message(msg: Any) -> None:
                arrivals[subject].append((time.perf_counter(), msg.data))

            return on_message

        subscriptions = [
            await js.subscribe(
                subject,
                cb=recorder(subject),
                ordered_consumer=True,
                deliver_policy=DeliverPolicy.NEW,
            )
            for subject in arrivals
        ]
        marks = [booked[r] for r in referral_ids]
        warm, measured = marks[: options.warmup], marks[options.warmup :]
        warm_sent, _, warm_failed = await mark_on_schedule(
            sessions.url, facilitator, warm, options.rate
        )
        await wait_until(lambda: len(arrivals["referral.closed.v1"]) >= len(warm_sent), seconds=60)
        await asyncio.sleep(1.0)
        with no_gc_pauses(disable=True):
            sent_at, answered_at, failed = await mark_on_schedule(
                sessions.url, facilitator, measured, options.rate
            )

        def closed_by_now() -> set[str]:
            return {json.loads(d)["subject"] for _, d in arrivals["referral.closed.v1"]}

        await wait_until(lambda: closed_by_now() >= set(sent_at), seconds=15)
        await asyncio.sleep(1.5)  # long enough to catch a duplicate
        for subscription in subscriptions:
            await subscription.unsubscribe()
    finally:
        await nc.close()
        Children.stop(referrals.process)
        Children.stop(sessions.process)
        nats_server.stop()

    closed = EventTally.of(arrivals["referral.closed.v1"], sent_at, earlier=warm_sent)
    completed = EventTally.of(arrivals["intervention.completed.v1"], sent_at, earlier=warm_sent)
    answered = [(answered_at[r] - sent_at[r]) * 1000 for r in sent_at]
    return {
        "marks": len(sent_at),
        "mark_failures": failed + warm_failed,
        "background_cpu_before": round(background, 2) if background is not None else None,
        "attendance_answered": stage(answered),
        "intervention_completed_on_bus": stage(completed.latencies_ms),
        "referral_closed_on_bus": stage(closed.latencies_ms),
        "missing": len(closed.missing),
        "duplicated": len(closed.duplicated),
        "unexpected": len(closed.unexpected),
        "exactly_once": not (closed.missing or closed.duplicated or closed.unexpected),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20.0, help="attendance marks per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the measured run")
    parser.add_argument("--warmup", type=int, default=100, help="marks before measuring")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--quiet-wait", type=float, default=120.0)
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    args = parser.parse_args(argv)
    args.database_list = [d.strip() for d in args.databases.split(",") if d.strip()]
    if set(args.database_list) - {"sqlite", "postgres"}:
        parser.error("--databases takes sqlite, postgres or both")
    return args


async def run(args: argparse.Namespace, children: Children, workdir: Path) -> dict[str, Any]:
    options = Options(args.rate, args.seconds, args.warmup, args.quiet_wait)
    total = options.warmup + round(options.rate * options.seconds)
    idle = await background_load()
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source_version(),
        "command": " ".join(
            [".venv/bin/python", "tests/benchmarks/bench_completion.py", *sys.argv[1:]]
        ),
        "machine": {
            **core_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "background_cpu_cores_at_start": round(idle, 2) if idle is not None else None,
        },
        "options": vars(options),
        "targets": {"referral_closed_p99_ms_max": COMPLETION_P99_MS_MAX, "exactly_once": True},
        "databases": {},
    }
    print(
        f"{total} referrals made and booked, then {options.warmup} warm-up marks and "
        f"{options.rate:g} attendance marks a second for {options.seconds:g} s",
        flush=True,
    )
    for name in args.database_list:
        print(f"\n--- {name} ---", flush=True)
        if name == "sqlite":
            referral_dbs: Databases = SqliteDatabases(workdir / "referral")
            scheduling_dbs: Databases = SqliteDatabases(
                workdir / "scheduling", alembic_ini=SCHEDULING_ALEMBIC_INI, seed=seeder(total)
            )
        else:
            referral_dbs = PostgresDatabases(args.postgres_url)
            scheduling_dbs = PostgresDatabases(
                args.postgres_url, alembic_ini=SCHEDULING_ALEMBIC_INI, seed=seeder(total)
            )
        reason = await referral_dbs.unavailable()
        if reason is not None:
            print(f"  skipped: PostgreSQL at {args.postgres_url} is unreachable ({reason})")
            report["databases"][name] = {"skipped": f"unreachable: {reason}"}
            continue
        try:
            await referral_dbs.prepare()
            await scheduling_dbs.prepare()
            result = await completion_run(
                name, referral_dbs, scheduling_dbs, children, workdir, options
            )
        finally:
            await referral_dbs.cleanup()
            await scheduling_dbs.cleanup()
        checks = {
            "p99_under_target": result["referral_closed_on_bus"]["p99_ms"] < COMPLETION_P99_MS_MAX,
            "exactly_once": result["exactly_once"],
            "no_mark_failures": result["mark_failures"] == 0,
        }
        report["databases"][name] = {**result, "checks": checks, "passed": all(checks.values())}
    return report


def print_report(report: dict[str, Any]) -> None:
    print(f"\n{'':10} {'stage':34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, result in report["databases"].items():
        if "skipped" in result:
            print(f"{name:10} skipped: {result['skipped']}")
            continue
        for label, key in (
            ("attendance answered", "attendance_answered"),
            ("intervention.completed.v1 on bus", "intervention_completed_on_bus"),
            ("referral.closed.v1 on bus", "referral_closed_on_bus"),
        ):
            s = result[key]
            print(
                f"{name:10} {label:34} {s['p50_ms']:8.1f} {s['p95_ms']:8.1f} "
                f"{s['p99_ms']:8.1f} {s['max_ms']:8.1f}"
            )
        print(
            f"{name:10} completed in referral-api, p99 "
            f"{result['referral_closed_on_bus']['p99_ms']:.1f} ms (target < "
            f"{COMPLETION_P99_MS_MAX:g}), exactly once: {'yes' if result['exactly_once'] else 'NO'}"
            f": {'PASS' if result['passed'] else 'FAIL'}"
        )


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(parse_args(argv), run, print_report, prefix="bench-completion-")


if __name__ == "__main__":
    sys.exit(main())
