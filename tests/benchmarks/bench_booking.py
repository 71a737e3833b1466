"""Benchmark a completed assessment becoming a booking: `assessment.completed.v1` published to
JetStream, to scheduling-api's `session.booked.v1` for the same referral arriving back.

    .venv/bin/python tests/benchmarks/bench_booking.py [--rate 20] [--seconds 15]
        [--databases sqlite,postgres] [--postgres-url URL]

A NATS server on a free port and scheduling-api under uvicorn (one worker, its own process) on a
fresh migrated database holding the demonstration force's courses and enough sessions for every
booking. The benchmark publishes assessments as assessment-api's relay does (the same envelope,
subject and `Nats-Msg-Id`) on a fixed schedule (open loop: a slow booking never delays the next
assessment), the scheme's pathway mix (mostly cannabis), and times each from the moment its
publish starts to the moment an ordered consumer in this process receives its `session.booked.v1`.
Every assessment must be booked exactly once.

The baseline, run the same way in the same run: `bare_booking.py`, which consumes the same
events as the kit's consumer does and at once publishes a booked event, with no database. The
difference between the two is what scheduling-api's own work (the inbox, the booking rule, the
seat UPDATE, the outbox and its relay) adds to the bus's two hops.

Results go to test-artifacts/bench/booking.json and a table on stdout; the exit status is 1 when
the target is missed. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
from bench_referrals import (
    DEFAULT_POSTGRES_URL,
    Children,
    Databases,
    EventTally,
    PostgresDatabases,
    SqliteDatabases,
    background_load,
    base_env,
    core_count,
    no_gc_pauses,
    percentile,
    source_version,
    start_server,
    wait_for_quiet,
)
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy import text

from contracts import new_event
from contracts.events.v1 import AssessmentCompleted, ReminderContact
from contracts.sealed import generate_keypair, seal
from contracts.vocabulary import NeedDomain, NeedLevel, Pathway, Substance
from scheduling_api.seed import DEMO_FORCE, course_id, seed_courses
from scheduling_api.sessions.models import DeliveryMode, Session
from servicekit.crypto import new_key
from servicekit.db import Database
from servicekit.devidp import ISSUER, DevIdentityProvider

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ALEMBIC_INI = ROOT / "services/scheduling-api/alembic.ini"
RESULTS_PATH = ROOT / "test-artifacts/bench/booking.json"
BOOKED_SUBJECT = "session.booked.v1"
ASSESSED_SUBJECT = "assessment.completed.v1"

BOOKING_P99_MS_MAX = 100.0
# the scheme's mix of allocations (domain page: 80-85% cannabis); the rest of the groups share
# the remainder, and one-to-ones are a few per cent
MIX: dict[Pathway, float] = {
    Pathway.cannabis_group: 0.82,
    Pathway.cocaine_group: 0.08,
    Pathway.nitrous_oxide_group: 0.05,
    Pathway.general_group: 0.03,
    Pathway.one_to_one: 0.02,
}
SEAT_HEADROOM = 2.0  # seats per course, over its expected share of every assessment sent
# the pair assessment-api seals the reminder contact to, and a person who has a phone
SCHEDULING_KEYS = generate_keypair()
SCHEDULING_KEY_ID = "scheduling-bench"
CONTACT = ReminderContact(given_name="Jordan", phone="07700 900123").model_dump_json().encode()


# --- the database ----------------------------------------------------------------------------


def seeder(assessments: int) -> Any:
    """Seed the demonstration force's courses and enough sessions (a group a day, a one-to-one
    every hour of the working day) that every assessment sent finds a seat."""

    async def seed(database_url: str) -> None:
        db = Database(database_url)
        now = datetime.now(UTC)
        first = now + timedelta(days=3)  # past the default 48 h lead time
        try:
            async with db.session() as session:
                await seed_courses(session, DEMO_FORCE, now)
                for pathway, share in MIX.items():
                    seats = max(10, int(assessments * share * SEAT_HEADROOM))
                    capacity = 1 if pathway is Pathway.one_to_one else 20
                    for n in range(-(-seats // capacity)):
                        step = timedelta(hours=n) if capacity == 1 else timedelta(days=n)
                        session.add(
                            Session(
                                id=uuid.uuid4(),
                                force_id=DEMO_FORCE,
                                course_type_id=course_id(DEMO_FORCE, pathway),
                                pathway=pathway,
                                starts_at=first + step,
                                duration_minutes=60 if capacity == 1 else 150,
                                facilitator_id="bench-facilitator",
                                capacity=capacity,
                                booked=0,
                                delivery_mode=DeliveryMode.online,
                                join_link="https://meet.example.org/bench",
                                venue=None,
                                language=None,
                                interpreter_available=False,
                                created_at=now,
                            )
                        )
                await session.commit()
        finally:
            await db.dispose()

    return seed


# --- the workload ----------------------------------------------------------------------------


def assessments(n: int, rng: random.Random) -> list[tuple[str, bytes, str]]:
    """(referral id, the event as assessment-api's relay publishes it, its event id)."""
    pathways = rng.choices(list(MIX), weights=list(MIX.values()), k=n)
    made = []
    for pathway in pathways:
        referral_id = uuid.uuid4()
        event = new_event(
            AssessmentCompleted(
                referral_id=referral_id,
                case_id=uuid.uuid4(),
                completed_at=datetime.now(UTC),
                pathway=pathway,
                proposed_pathway=pathway,
                overridden=False,
                main_substance=Substance.cannabis,
                dependence_indicated=False,
                injecting=False,
                safeguarding_concern=False,
                needs={NeedDomain.housing: NeedLevel.none},
                preferred_language="en",
                interpreter_needed=False,
                # as assessment-api sends it: scheduling-api opens it, keeps it encrypted and
                # schedules the person's reminders in the booking's transaction
                reminder_contact=seal(
                    CONTACT, public_key=SCHEDULING_KEYS[1], kid=SCHEDULING_KEY_ID
                ),
            ),
            source="/assessment-api",
            subject=str(referral_id),
            forceid=DEMO_FORCE,
        )
        made.append((str(referral_id), event.to_json(), str(event.id)))
    return made


async def publish_on_schedule(
    js: Any, events: list[tuple[str, bytes, str]], rate: float
) -> tuple[dict[str, float], int, float]:
    """Publish at fixed times (i / rate), never waiting for earlier acks: each referral's
    publish start time, the publishes that failed, and the worst lateness against the plan."""
    sent_at: dict[str, float] = {}
    failed = 0

    async def send(referral_id: str, payload: bytes, event_id: str) -> None:
        nonlocal failed
        started = time.perf_counter()
        try:
            await js.publish(ASSESSED_SUBJECT, payload, headers={"Nats-Msg-Id": event_id})
        except Exception:
            failed += 1
            return
        sent_at[referral_id] = started

    tasks: list[asyncio.Task[None]] = []
    worst_lag = 0.0
    begin = time.perf_counter() + 0.05
    for i, event in enumerate(events):
        due = begin + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        worst_lag = max(worst_lag, time.perf_counter() - due)
        tasks.append(asyncio.create_task(send(*event)))
    await asyncio.gather(*tasks)
    return sent_at, failed, worst_lag * 1000


async def wait_for_consumer(js: Any, durable: str, seconds: float = 30) -> None:
    """The booking side is listening once its durable consumer exists."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            await js.consumer_info("ASSESSMENT", durable)
            return
        except NotFoundError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"consumer {durable} never appeared") from None
            await asyncio.sleep(0.1)


async def wait_until(condition: Callable[[], bool], *, seconds: float) -> None:
    """Poll `condition` every 0.1 s until it holds or `seconds` pass (the caller then counts
    what is missing)."""
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)


# --- one run ---------------------------------------------------------------------------------


@dataclass
class Options:
    rate: float
    seconds: float
    warmup: int
    quiet_wait: float
    logs_dir: Path


def real_env(idp: DevIdentityProvider, database_url: str, nats_url: str) -> dict[str, str]:
    env = {k: v for k, v in base_env().items() if not k.startswith("SCHEDULING_")}
    env.update(
        {
            "SCHEDULING_DATABASE_URL": database_url,
            "SCHEDULING_NATS_URL": nats_url,
            "SCHEDULING_JWKS_URL": idp.jwks_url,
            "SCHEDULING_TRUSTED_ISSUERS": json.dumps({ISSUER: ["*"]}),
            "SCHEDULING_FIELD_KEYS": json.dumps({"bench1": new_key()}),
            "SCHEDULING_FIELD_KEY_CURRENT": "bench1",
            "SCHEDULING_JSON_LOGS": "false",
            "SCHEDULING_PRIVATE_KEY": SCHEDULING_KEYS[0],
        }
    )
    return env


async def start_booking_side(
    kind: str, children: Children, database_url: str, nats_url: str, workdir: Path
) -> tuple[Any, str, Any]:
    """(the process, its durable consumer's name, a way to read its log)."""
    if kind == "real":
        idp = DevIdentityProvider(workdir / "devidp")
        server = await start_server(
            children,
            "real",
            real_env(idp, database_url, nats_url),
            workdir,
            ready_path="/ready",
            factory="scheduling_api.main:app",
        )
        return server.process, "scheduling-api", server.log_tail
    log = workdir / f"bare-{uuid.uuid4().hex[:6]}.log"
    process = children.spawn(
        [sys.executable, str(HERE / "bare_booking.py"), nats_url], base_env(), log
    )
    return process, "bench-bare-booking", lambda: log.read_text(errors="replace")[-3000:]


async def booking_run(
    kind: str,
    databases: Databases,
    children: Children,
    workdir: Path,
    options: Options,
    rng: random.Random,
) -> dict[str, Any]:
    background = await wait_for_quiet(options.quiet_wait)
    database_url = await databases.fresh()
    nats_server = children.start_nats(workdir / f"nats-{databases.name}-{kind}")
    process, durable, log_tail = await start_booking_side(
        kind, children, database_url, nats_server.url, workdir
    )
    arrivals: list[tuple[float, bytes]] = []

    async def on_message(msg: Any) -> None:
        arrivals.append((time.perf_counter(), msg.data))

    def arrived_ids() -> set[str]:
        return {json.loads(data)["subject"] for _, data in arrivals}

    nc = await nats.connect(nats_server.url, name="bench-booking")
    try:
        js = nc.jetstream()
        await wait_for_consumer(js, durable)
        subscription = await js.subscribe(
            BOOKED_SUBJECT, cb=on_message, ordered_consumer=True, deliver_policy=DeliverPolicy.NEW
        )
        # warm the service to a steady state (caches, connections, the first collections)
        warm = assessments(options.warmup, rng)
        warm_sent, warm_failed, _ = await publish_on_schedule(js, warm, options.rate * 4)
        await wait_until(lambda: arrived_ids() >= set(warm_sent), seconds=60)
        await asyncio.sleep(1.0)
        measured = assessments(max(1, round(options.rate * options.seconds)), rng)
        with no_gc_pauses(disable=True):
            sent_at, failed, worst_lag_ms = await publish_on_schedule(js, measured, options.rate)
        await wait_until(lambda: arrived_ids() >= set(sent_at), seconds=15)
        await asyncio.sleep(1.5)  # long enough to catch a duplicate
        await subscription.unsubscribe()
    finally:
        await nc.close()
        tail = log_tail()
        Children.stop(process)
        nats_server.stop()

    tally = EventTally.of(arrivals, sent_at, earlier=warm_sent)
    latencies = tally.latencies_ms
    result: dict[str, Any] = {
        "assessments": len(sent_at),
        "bookings_received": len(arrivals),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2) if latencies else None,
        "worst_send_lag_ms": round(worst_lag_ms, 2),
        "background_cpu_before": round(background, 2) if background is not None else None,
        "missing": len(tally.missing),
        "duplicated": len(tally.duplicated),
        "unexpected": len(tally.unexpected),
        "publish_failures": failed + warm_failed,
        "exactly_once": not (tally.missing or tally.duplicated or tally.unexpected),
    }
    if kind == "real":
        result["bookings_with_reminders"] = await bookings_with_reminders(database_url)
    if not result["exactly_once"] or result["publish_failures"]:
        result["log_tail"] = tail
    return result


async def bookings_with_reminders(database_url: str) -> int:
    """How many bookings had their reminders scheduled: each assessment carried a contact."""
    db = Database(database_url)
    try:
        async with db.session() as session:
            found = await session.scalar(text("SELECT count(DISTINCT booking_id) FROM reminders"))
            return int(found or 0)
    finally:
        await db.dispose()


# --- the report ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20.0, help="assessments per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the measured run")
    parser.add_argument("--warmup", type=int, default=200, help="assessments before measuring")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="before each run, wait up to this many seconds for the CPUs to be idle",
    )
    parser.add_argument("--seed", type=int, default=5, help="the pathway mix's random seed")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    args = parser.parse_args(argv)
    args.database_list = [d.strip() for d in args.databases.split(",") if d.strip()]
    if set(args.database_list) - {"sqlite", "postgres"}:
        parser.error("--databases takes sqlite, postgres or both")
    return args


async def run(args: argparse.Namespace, children: Children, workdir: Path) -> dict[str, Any]:
    options = Options(args.rate, args.seconds, args.warmup, args.quiet_wait, args.output.parent)
    total = options.warmup + round(options.rate * options.seconds)
    rng = random.Random(args.seed)
    idle = await background_load()
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source_version(),
        "command": " ".join(
            [".venv/bin/python", "tests/benchmarks/bench_booking.py", *sys.argv[1:]]
        ),
        "machine": {
            **core_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "background_cpu_cores_at_start": round(idle, 2) if idle is not None else None,
        },
        "options": {**vars(options), "logs_dir": str(options.logs_dir)},
        "targets": {"booking_p99_ms_max": BOOKING_P99_MS_MAX, "exactly_once": True},
        "databases": {},
    }
    print(
        f"{options.warmup} warm-up then {options.rate:g} assessments a second for "
        f"{options.seconds:g} s; the bare baseline, then scheduling-api",
        flush=True,
    )
    for name in args.database_list:
        databases: Databases = (
            SqliteDatabases(workdir, alembic_ini=ALEMBIC_INI, seed=seeder(total))
            if name == "sqlite"
            else PostgresDatabases(args.postgres_url, alembic_ini=ALEMBIC_INI, seed=seeder(total))
        )
        print(f"\n--- {name} ---", flush=True)
        reason = await databases.unavailable()
        if reason is not None:
            print(f"  skipped: PostgreSQL at {args.postgres_url} is unreachable ({reason})")
            report["databases"][name] = {"skipped": f"unreachable: {reason}"}
            continue
        try:
            await databases.prepare()
            bare = await booking_run("bare", databases, children, workdir, options, rng)
            real = await booking_run("real", databases, children, workdir, options, rng)
        finally:
            await databases.cleanup()
        checks = {
            "p99_under_target": real["p99_ms"] < BOOKING_P99_MS_MAX,
            "exactly_once": real["exactly_once"] and bare["exactly_once"],
            "no_publish_failures": not real["publish_failures"] and not bare["publish_failures"],
        }
        report["databases"][name] = {
            "bare": bare,
            "real": real,
            "p99_real_over_bare": round(real["p99_ms"] / bare["p99_ms"], 2)
            if bare["p99_ms"]
            else None,
            "checks": checks,
            "passed": all(checks.values()),
        }
    return report


def print_report(report: dict[str, Any]) -> None:
    print(f"\n{'':10} {'':5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} once")
    for name, result in report["databases"].items():
        if "skipped" in result:
            print(f"{name:10} skipped: {result['skipped']}")
            continue
        for kind in ("bare", "real"):
            r = result[kind]
            print(
                f"{name:10} {kind:5} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['p99_ms']:8.1f} "
                f"{r['max_ms'] or 0:8.1f} {'yes' if r['exactly_once'] else 'NO'}"
            )
        print(
            f"{name:10} real p99 {result['real']['p99_ms']:.1f} ms "
            f"(target < {BOOKING_P99_MS_MAX:g}): {'PASS' if result['passed'] else 'FAIL'}; "
            f"real/bare p99 {result['p99_real_over_bare']}"
        )


Runner = Callable[[argparse.Namespace, Children, Path], Awaitable[dict[str, Any]]]


def run_benchmark(
    args: argparse.Namespace,
    run: Runner,
    print_report: Callable[[dict[str, Any]], None],
    *,
    prefix: str,
) -> int:
    """Run a benchmark with a temporary folder and every process it starts stopped at the end,
    whatever happens; print and save its report; 0 when every database it ran passed."""
    children = Children()
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        report = asyncio.run(run(args, children, workdir))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\ninterrupted: stopped everything the benchmark started", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    ran = [r for r in report["databases"].values() if "skipped" not in r]
    report["passed"] = bool(ran) and all(r["passed"] for r in ran)
    print_report(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults: {args.output}")
    print("ALL TARGETS MET" if report["passed"] else "SOME TARGETS MISSED")
    return 0 if report["passed"] else 1


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(parse_args(argv), run, print_report, prefix="bench-booking-")


if __name__ == "__main__":
    sys.exit(main())
