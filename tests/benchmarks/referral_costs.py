"""Where a referral's CPU goes: POST /v1/referrals and the bare baseline, stage by stage.

    .venv/bin/python tests/benchmarks/referral_costs.py [--requests N] [--rounds R]

The throughput benchmark (bench_referrals.py) says how much more CPU a referral costs than the
bare insert; this says where the difference goes, so that a change aimed at it can be judged
before it is made. Both apps run in this process on fresh, migrated and seeded SQLite files and
are called through ASGI directly (no HTTP, no client), one request at a time, with the
benchmark's workload (a new person and a new Idempotency-Key per request). Rounds alternate
between the apps and the median round counts.

Two views of the real request, both in thread CPU microseconds per request:

- **Stages.** Named functions timed by a wrapper, inclusive of what they call (the wrapper costs
  about a microsecond each). A stage's name is the function the time was spent under, so a
  stage of `commit` includes the statements the commit sends.
- **Required work.** Each piece of work a referral must do that the bare insert does not, timed
  alone in a tight loop: the body validated, eleven fields encrypted, the keyed identity hashes,
  the rules, the request fingerprint, the contact details sealed, and (from the stages) the time
  inside sqlite3 beyond the bare app's. What is left of the difference is the cost of the
  framework around that work: dependency injection, the ORM session, building models, routing.

Results go to test-artifacts/bench/referral_costs.json and a table on stdout. See
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bench_referrals as bench
import fastapi.routing
from fastapi import FastAPI
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.sealed import generate_keypair, seal
from referral_api.eligibility import service as eligibility_service
from referral_api.forces.scheme import Scheme
from referral_api.people import identity
from referral_api.referrals import service as referral_service
from referral_api.referrals.schemas import ReferralIn, example_referral
from servicekit import idempotency
from servicekit.crypto import FieldCipher, new_key
from servicekit.devidp import DevIdentityProvider
from servicekit.sqlite import DirectCursor

ROOT = Path(__file__).resolve().parents[2]
RESULTS_PATH = ROOT / "test-artifacts/bench/referral_costs.json"
# the personal columns the referrals table encrypts
ENCRYPTED_FIELDS = 11


@dataclass(frozen=True)
class Stage:
    label: str
    owner: Any
    attribute: str
    depth: int


# In request order; depth is how the table indents them (an inner stage's time is part of the
# one above it).
STAGES = (
    Stage("dependencies: token, body, session, force", fastapi.routing, "solve_dependencies", 0),
    Stage("endpoint", fastapi.routing, "run_endpoint_function", 0),
    Stage("submit: rules, row, event", referral_service, "submit", 1),
    Stage("person's history query", referral_service.people_repository, "history_on", 2),
    Stage("eligibility rules", referral_service.eligibility_service, "decide", 2),
    Stage("event built (sealing included)", referral_service, "submitted_event", 2),
    Stage("contact details sealed", referral_service, "seal", 3),
    Stage("commit: staged rows and COMMIT", AsyncSession, "commit", 1),
    Stage("COMMIT itself", Connection, "_commit_impl", 2),
    Stage("sqlite3 statements (every stage)", DirectCursor, "_run", 0),
)


class StageClock:
    """Wraps each stage's function for the duration of a `with` and sums its thread CPU."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def _timed(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        seconds = self.seconds
        if asyncio.iscoroutinefunction(function):

            @functools.wraps(function)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.thread_time()
                try:
                    return await function(*args, **kwargs)
                finally:
                    seconds[label] += time.thread_time() - started

            return timed_async

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[label] += time.thread_time() - started

        return timed

    @contextmanager
    def installed(self, stages: tuple[Stage, ...]) -> Iterator[None]:
        originals = []
        try:
            for stage in stages:
                original = getattr(stage.owner, stage.attribute)  # fails loudly when renamed
                originals.append((stage, original))
                setattr(stage.owner, stage.attribute, self._timed(stage.label, original))
            yield
        finally:
            for stage, original in reversed(originals):
                setattr(stage.owner, stage.attribute, original)


# --- calling an app without HTTP ------------------------------------------------------------


async def post(app: FastAPI, path: str, body: bytes, headers: dict[str, str]) -> int:
    """One POST through the app's ASGI interface; the response status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-length", str(len(body)).encode()), (b"host", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    delivered = False
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:  # the app only asks again to watch for a disconnect
            await asyncio.Event().wait()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


@dataclass
class Run:
    microseconds_per_request: float
    stages: dict[str, float]


async def run_app(
    kind: str, secrets: bench.Secrets, databases: bench.SqliteDatabases, requests: int
) -> Run:
    database_url = await databases.fresh()
    if kind == "real":
        os.environ.update(bench.real_env(secrets, database_url, None))
        from referral_api.config import Settings
        from referral_api.main import create_app

        app = create_app(Settings(), start_background=False)  # type: ignore[call-arg]
        path = bench.REAL_PATH
    else:
        import bare_app

        app = bare_app.create_app(database_url)
        path = bench.BARE_PATH
    workload = bench.Workload(secrets.token)
    warmup, measured = workload.requests(300), workload.requests(requests)
    clock = StageClock()
    async with app.router.lifespan_context(app):
        for body, headers in warmup:
            status = await post(app, path, body, headers)
            if status not in (200, 201):
                raise RuntimeError(f"the {kind} app answered {status} during the warm-up")
        with clock.installed(STAGES), bench.no_gc_pauses():
            started = time.thread_time()
            for body, headers in measured:
                await post(app, path, body, headers)
            total = time.thread_time() - started
    return Run(
        1e6 * total / requests,
        {label: 1e6 * seconds / requests for label, seconds in clock.seconds.items()},
    )


# --- the required work, each piece alone --------------------------------------------------


def per_call_microseconds(function: Callable[[], object], calls: int = 2000) -> float:
    function()
    started = time.thread_time()
    for _ in range(calls):
        function()
    return 1e6 * (time.thread_time() - started) / calls


async def required_work(scheme: Scheme) -> dict[str, float]:
    body = example_referral()
    raw = json.dumps(body).encode()
    payload = ReferralIn.model_validate_json(raw)
    cipher = FieldCipher({"k": new_key()}, "k")
    identity_key = new_key()
    _, public_key = generate_keypair()
    contact = json.dumps(body["person"]).encode()
    encounter_at = payload.encounter.occurred_at.astimezone(UTC)
    history = referral_service.people_repository.PersonHistory(None, False, False)
    answers = payload.all_answers()
    return {
        "body validated (pydantic)": per_call_microseconds(
            lambda: ReferralIn.model_validate_json(raw)
        ),
        f"{ENCRYPTED_FIELDS} fields encrypted (AES-GCM)": per_call_microseconds(
            lambda: [cipher.encrypt("Given Family 07700 900123") for _ in range(ENCRYPTED_FIELDS)]
        ),
        "person and officer keyed hashes": per_call_microseconds(
            lambda: (
                identity.person_key(
                    identity_key=identity_key,
                    force_id="demo",
                    given_name=payload.person.given_name,
                    family_name=payload.person.family_name,
                    date_of_birth=payload.person.date_of_birth,
                ),
                identity.officer_key(
                    identity_key=identity_key, force_id="demo", officer_subject="officer-1"
                ),
            )
        ),
        "eligibility rules": per_call_microseconds(
            lambda: eligibility_service.decide(
                rule_set=scheme.rule_set,
                history=history,
                date_of_birth=payload.person.date_of_birth,
                encounter_at=encounter_at,
                answers=answers,
            )
        ),
        "Idempotency-Key fingerprint": per_call_microseconds(
            lambda: idempotency.fingerprint(payload.model_dump(mode="json"))
        ),
        "contact details sealed (X25519)": per_call_microseconds(
            lambda: seal(contact, public_key=public_key, kid="k")
        ),
    }


async def demo_scheme(databases: bench.SqliteDatabases) -> Scheme:
    from referral_api.forces.scheme import load
    from servicekit.db import Database

    database = Database(await databases.fresh())
    try:
        async with database.session() as session:
            scheme = await load(session=session, force_id="demo")
    finally:
        await database.dispose()
    if scheme is None:
        raise RuntimeError("the seeded database has no demo force")
    return scheme


# --- main -----------------------------------------------------------------------------------


def median_run(runs: list[Run]) -> Run:
    labels = {label for run in runs for label in run.stages}
    return Run(
        statistics.median(r.microseconds_per_request for r in runs),
        {label: statistics.median(r.stages.get(label, 0.0) for r in runs) for label in labels},
    )


async def measure(requests: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="referral-costs-") as directory:
        workdir = Path(directory)
        secrets = bench.Secrets(DevIdentityProvider(workdir / "devidp"))
        databases = bench.SqliteDatabases(workdir)
        await databases.prepare()
        runs: dict[str, list[Run]] = {"bare": [], "real": []}
        for round_no in range(1, rounds + 1):
            for kind in ("bare", "real"):
                run = await run_app(kind, secrets, databases, requests)
                runs[kind].append(run)
                print(
                    f"  round {round_no} {kind:<4} {run.microseconds_per_request:7.0f} µs/request"
                )
        required = await required_work(await demo_scheme(databases))
    bare, real = median_run(runs["bare"]), median_run(runs["real"])
    sqlite_label = STAGES[-1].label
    required["sqlite3 time beyond the bare app's"] = max(
        0.0, real.stages.get(sqlite_label, 0.0) - bare.stages.get(sqlite_label, 0.0)
    )
    difference = real.microseconds_per_request - bare.microseconds_per_request
    required_total = sum(required.values())
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": bench.source_version(),
        "requests_per_round": requests,
        "rounds": rounds,
        "bare_us": round(bare.microseconds_per_request, 1),
        "real_us": round(real.microseconds_per_request, 1),
        "real_over_bare": round(real.microseconds_per_request / bare.microseconds_per_request, 2),
        "real_stages_us": {s.label: round(real.stages.get(s.label, 0.0), 1) for s in STAGES},
        "bare_sqlite3_us": round(bare.stages.get(sqlite_label, 0.0), 1),
        "required_work_us": {label: round(us, 1) for label, us in required.items()},
        "difference_us": round(difference, 1),
        "required_work_total_us": round(required_total, 1),
        "framework_us": round(difference - required_total, 1),
        # the real request if the framework around its required work cost nothing more than
        # the bare app's: what no amount of tuning that keeps the work can go below
        "floor_real_over_bare": round(
            (bare.microseconds_per_request + required_total) / bare.microseconds_per_request, 2
        ),
    }


def print_report(report: dict[str, Any]) -> None:
    print(
        f"\nthread CPU per request, in process (no HTTP), SQLite, median of {report['rounds']}"
        f" rounds of {report['requests_per_round']}:"
    )
    print(
        f"  bare {report['bare_us']:7.0f} µs   real {report['real_us']:7.0f} µs   "
        f"real/bare {report['real_over_bare']:.2f}"
    )
    print("\n  real request, by stage (inclusive):")
    for stage in STAGES:
        indent = "  " * stage.depth
        us = report["real_stages_us"][stage.label]
        print(f"    {indent}{stage.label:<{44 - len(indent)}}{us:7.0f}")
    print(f"    {'(bare app: sqlite3 statements)':<44}{report['bare_sqlite3_us']:7.0f}")
    print("\n  required work the bare app does not do, each timed alone:")
    for label, us in report["required_work_us"].items():
        print(f"    {label:<44}{us:7.0f}")
    print(f"    {'total':<44}{report['required_work_total_us']:7.0f}")
    print(
        f"\n  real - bare = {report['difference_us']:.0f} µs: "
        f"{report['required_work_total_us']:.0f} required work, "
        f"{report['framework_us']:.0f} framework around it"
    )
    print(
        f"  with no framework cost beyond the bare app's, real/bare would be "
        f"{report['floor_real_over_bare']:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    args = parser.parse_args(argv)
    if args.requests < 1 or args.rounds < 1:
        parser.error("--requests and --rounds must be at least 1")
    # the service's settings come from the environment: start from one without them
    for name in [n for n in os.environ if n.startswith(("REFERRAL_", "BARE_"))]:
        del os.environ[name]
    report = asyncio.run(measure(args.requests, args.rounds))
    print_report(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
