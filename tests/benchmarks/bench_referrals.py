"""Benchmark POST /v1/referrals against a bare FastAPI insert, and time its events to JetStream.

    .venv/bin/python tests/benchmarks/bench_referrals.py [--requests N]
        [--databases sqlite,postgres] [--postgres-url URL] [--rounds R]

Throughput: the real referral-api and a bare baseline (bare_app.py: the same body inserted as one
plain row in the same table) each run under uvicorn in their own process, one at a time, each on
a fresh migrated and seeded database, driven by 32 concurrent clients (one httpx client and
connection each); bare and real alternate for several rounds and the median run counts. The
throughput runs leave NATS unset, so events accumulate in the outbox and nothing is published:
both apps then do only their request path, and the relay's cost is measured on its own in the
event latency run.

Event latency: the real referral-api with a NATS server, warmed up, then 50 referrals a second on
a fixed (open loop) schedule for 15 s, each timed from sending its request to a JetStream
consumer in this process receiving its referral.submitted.v1 event; every event must arrive
exactly once.

Before each run it waits (up to --quiet-wait seconds) for other processes to leave the CPUs idle,
and it reports the CPU they used meanwhile: on a shared machine the numbers are only as good as
the quiet they were measured in.

Results go to test-artifacts/bench/referrals.json and a table on stdout; the exit status is 1 when
a target is missed. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib.util
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from contracts.sealed import generate_keypair
from referral_api.referrals.schemas import example_referral
from referral_api.seed import seed
from servicekit.crypto import new_key
from servicekit.devidp import ISSUER, DevIdentityProvider
from servicekit.migrate import upgrade
from servicekit_testing import nats as nats_testing
from servicekit_testing.nats import NatsServer

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ALEMBIC_INI = ROOT / "services/referral-api/alembic.ini"
RESULTS_PATH = ROOT / "test-artifacts/bench/referrals.json"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
# the local platform's ports (make run) and NATS's default port are never used
RESERVED_PORTS = frozenset({4222, 8001, 8002, 8003, 8004})
REAL_PATH = "/v1/referrals"
BARE_PATH = "/bare/referrals"
SUBMITTED_SUBJECT = "referral.submitted.v1"
REFERRAL_STREAM = "REFERRAL"

THROUGHPUT_RATIO_MIN = 0.5
# a load generator this busy is what limits a run, not the server it drives
CLIENT_BOUND_CORES = 0.9
P99_RATIO_MAX = 2.0
EVENT_P99_MS_MAX = 25.0


# --- small helpers ---------------------------------------------------------------------------


def free_port() -> int:
    while True:
        port = nats_testing.free_port()
        if port not in RESERVED_PORTS:
            return port


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (all its threads), from /proc; None where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_jiffies() -> tuple[int, int] | None:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def busy_cores(start: tuple[int, int] | None, end: tuple[int, int] | None) -> float | None:
    """How many CPUs the whole machine kept busy between two machine_jiffies() readings."""
    if start is None or end is None or end[1] == start[1]:
        return None
    return (end[0] - start[0]) / (end[1] - start[1]) * (os.cpu_count() or 1)


async def background_load(seconds: float = 1.0) -> float | None:
    """CPUs kept busy by other processes while the benchmark is idle."""
    start = machine_jiffies()
    await asyncio.sleep(seconds)
    return busy_cores(start, machine_jiffies())


async def wait_for_quiet(max_seconds: float, threshold: float = 0.3) -> float | None:
    """Wait (up to max_seconds) until other processes leave the CPUs nearly idle, so that runs
    are not measured against someone else's test suite; returns the last background load seen."""
    deadline = time.monotonic() + max_seconds
    announced = False
    while True:
        load = await background_load()
        if load is None or load <= threshold or time.monotonic() >= deadline:
            if announced:
                print(f" {'quiet' if load is not None and load <= threshold else 'gave up'}")
            return load
        if not announced:
            print(f"  waiting for a quiet machine (background {load:.2f} CPUs busy) ...", end="")
            announced = True
        print(".", end="", flush=True)


@contextlib.contextmanager
def no_gc_pauses(*, disable: bool = False) -> Iterator[None]:
    """Keep this process's garbage collector from pausing it mid-measurement: everything alive
    now is frozen out of future collections, and with `disable` nothing is collected until the
    block ends (a full collection here takes ~50 ms and would show up as request latency)."""
    gc.collect()
    gc.freeze()
    if disable:
        gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def source_version() -> dict[str, Any]:
    """The commit measured, and whether the services differ from it (read-only git)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "services"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "services_modified": None}
    return {"commit": commit, "services_modified": bool(changed)}


def core_count() -> dict[str, int | None]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"logical_cpus": os.cpu_count(), "usable_cpus": usable}


# --- processes -------------------------------------------------------------------------------


class Children:
    """Every process the benchmark starts, so each is stopped whatever happens."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.nats_servers: list[NatsServer] = []

    def spawn(self, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments
                args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def start_nats(self, store_dir: Path) -> NatsServer:
        server = NatsServer(store_dir, port=free_port())
        self.nats_servers.append(server)
        server.start()
        return server

    @staticmethod
    def stop(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            self.stop(process)
        self.processes.clear()
        for server in reversed(self.nats_servers):
            server.stop()
        self.nats_servers.clear()


@dataclass
class Secrets:
    idp: DevIdentityProvider
    field_key: str = field(default_factory=new_key)
    identity_key: str = field(default_factory=new_key)
    assessment_public_key: str = field(default_factory=lambda: generate_keypair()[1])

    @property
    def token(self) -> str:
        return self.idp.token(role="officer", forces=["demo"])


def base_env() -> dict[str, str]:
    """This environment without any service setting that could leak into a server."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("REFERRAL_", "BARE_"))}


def real_env(secrets: Secrets, database_url: str, nats_url: str | None) -> dict[str, str]:
    env = base_env()
    env.update(
        {
            "REFERRAL_DATABASE_URL": database_url,
            "REFERRAL_JWKS_URL": secrets.idp.jwks_url,
            "REFERRAL_TRUSTED_ISSUERS": json.dumps({ISSUER: ["*"]}),
            "REFERRAL_FIELD_KEYS": json.dumps({"bench1": secrets.field_key}),
            "REFERRAL_FIELD_KEY_CURRENT": "bench1",
            "REFERRAL_IDENTITY_KEY": secrets.identity_key,
            "REFERRAL_ASSESSMENT_PUBLIC_KEY": secrets.assessment_public_key,
            "REFERRAL_JSON_LOGS": "false",
        }
    )
    if nats_url is not None:
        env["REFERRAL_NATS_URL"] = nats_url
    return env


def bare_env(database_url: str) -> dict[str, str]:
    env = base_env()
    env["BARE_DATABASE_URL"] = database_url
    return env


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def path(self) -> str:
        return REAL_PATH if self.kind == "real" else BARE_PATH

    def keep_log(self, directory: Path, name: str) -> str:
        """Copy the server's log next to the results (for runs with errors)."""
        directory.mkdir(parents=True, exist_ok=True)
        kept = directory / f"{name}.log"
        shutil.copyfile(self.log, kept)
        print(f"    server log kept at {kept}", flush=True)
        return str(kept)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


async def start_server(
    children: Children,
    kind: str,
    env: dict[str, str],
    logdir: Path,
    *,
    ready_path: str | None,
    factory: str | None = None,
) -> Server:
    """One uvicorn process, one worker, the same options for the real and the bare app."""
    port = free_port()
    factory = factory or ("referral_api.main:app" if kind == "real" else "bare_app:app")
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--app-dir",
        str(HERE),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    log = logdir / f"{kind}-{port}.log"
    server = Server(kind, children.spawn(args, env, log), port, log)
    deadline = time.monotonic() + 30
    # uvicorn listens only once the app's start-up has finished
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"the {kind} app exited at start:\n{server.log_tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the {kind} app did not start within 30 s:\n{server.log_tail()}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        break
    if ready_path is not None:
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as client:
            while (await client.get(ready_path)).status_code != 200:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the {kind} app never became ready:\n{server.log_tail()}")
                await asyncio.sleep(0.1)
    return server


# --- databases -------------------------------------------------------------------------------


# migrates nothing: fills a freshly migrated template database with what the runs need
Seeder = Callable[[str], Awaitable[None]]


class SqliteDatabases:
    """A migrated, seeded template file, copied for each run."""

    name = "sqlite"

    def __init__(
        self, workdir: Path, *, alembic_ini: Path = ALEMBIC_INI, seed: Seeder = seed
    ) -> None:
        self.workdir = workdir / "sqlite"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.template = self.workdir / "template.db"
        self.alembic_ini = alembic_ini
        self.seed = seed

    async def unavailable(self) -> str | None:
        return None

    async def prepare(self) -> None:
        url = f"sqlite+aiosqlite:///{self.template}"
        await asyncio.to_thread(upgrade, self.alembic_ini, url)
        await self.seed(url)

    async def fresh(self) -> str:
        path = self.workdir / f"run-{uuid.uuid4().hex[:10]}.db"
        await asyncio.to_thread(shutil.copyfile, self.template, path)
        return f"sqlite+aiosqlite:///{path}"

    async def cleanup(self) -> None:
        return None  # the temporary directory goes with everything in it


class PostgresDatabases:
    """A migrated, seeded template database and a fresh copy per run: all created here, named
    bench_*, and all dropped at the end. No existing database is touched."""

    name = "postgres"

    def __init__(
        self, server_url: str, *, alembic_ini: Path = ALEMBIC_INI, seed: Seeder = seed
    ) -> None:
        self.server_url: URL = make_url(server_url)
        self.alembic_ini = alembic_ini
        self.seed = seed
        tag = uuid.uuid4().hex[:10]
        self.template = f"bench_tmpl_{tag}"
        self._tag = tag
        self._created: list[str] = []

    def _url(self, database: str) -> str:
        return self.server_url.set(database=database).render_as_string(hide_password=False)

    async def _admin(self, statement: str) -> None:
        engine = create_async_engine(
            self.server_url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 5}
        )
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    async def unavailable(self) -> str | None:
        try:
            await asyncio.wait_for(self._admin("SELECT 1"), timeout=10)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}".strip()
        return None

    async def _create(self, name: str, template: str | None = None) -> str:
        clause = f' TEMPLATE "{template}"' if template else ""
        await self._admin(f'CREATE DATABASE "{name}"{clause}')
        self._created.append(name)
        return self._url(name)

    async def prepare(self) -> None:
        url = await self._create(self.template)
        await asyncio.to_thread(upgrade, self.alembic_ini, url)
        await self.seed(url)

    async def fresh(self) -> str:
        return await self._create(f"bench_{self._tag}_{len(self._created)}", self.template)

    async def cleanup(self) -> None:
        for name in reversed(self._created):
            try:
                await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:
                print(f"  could not drop database {name}: {exc}", file=sys.stderr)
        self._created.clear()


Databases = SqliteDatabases | PostgresDatabases


# --- the workload ----------------------------------------------------------------------------


class Workload:
    """Distinct people (given names) and a fresh Idempotency-Key per request: no replays."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.body = example_referral()
        self.counter = 0

    def requests(self, n: int) -> list[tuple[bytes, dict[str, str]]]:
        made = []
        for _ in range(n):
            self.counter += 1
            self.body["person"]["given_name"] = f"Bench{uuid.uuid4().hex[:8]}n{self.counter}"
            made.append(
                (
                    json.dumps(self.body).encode(),
                    {
                        "Authorization": f"Bearer {self.token}",
                        "Idempotency-Key": str(uuid.uuid4()),
                        "Content-Type": "application/json",
                    },
                )
            )
        return made


def http_client(base_url: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60)


@contextlib.asynccontextmanager
async def load_clients(
    base_url: str, concurrency: int, *, shared_pool: bool
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One httpx client per simulated client, each with its own one-connection pool (32
    connections in all); or, with `shared_pool`, one client whose pool holds them all.

    httpcore's pool checks every connection it holds on each request (a poll() and a
    getpeername() per connection), so one pool of 32 costs this process about three times the
    CPU per request and would make the client, not the server, the bottleneck of the bare run.
    """
    async with contextlib.AsyncExitStack() as stack:
        if shared_pool:
            client = await stack.enter_async_context(http_client(base_url, concurrency))
            yield [client] * concurrency
        else:
            yield [
                await stack.enter_async_context(http_client(base_url, 1))
                for _ in range(concurrency)
            ]


def cache_missing_sniffio() -> None:
    """httpcore 1.0 runs `import sniffio` on every pool operation (once per pooled connection per
    request). anyio 4.16 no longer installs sniffio, so each of those imports fails only after
    searching all of sys.path. Caching the miss keeps the behaviour (httpcore then assumes
    asyncio, as it does on the ImportError) without the file system walk."""
    if importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


@dataclass
class Burst:
    seconds: float
    latencies_ms: list[float]
    errors: Counter[str]
    error_example: str | None


async def closed_loop(
    clients: list[httpx.AsyncClient],
    path: str,
    requests: list[tuple[bytes, dict[str, str]]],
) -> Burst:
    """One task per client, each sending its next request as soon as the last one answers."""
    queue = iter(requests)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    example: list[str] = []

    async def one_client(client: httpx.AsyncClient) -> None:
        for content, headers in queue:
            started = time.perf_counter()
            try:
                response = await client.post(path, content=content, headers=headers)
                outcome = str(response.status_code)
                ok = 200 <= response.status_code < 300
                if not ok and not example:
                    example.append(f"{outcome}: {response.text[:300]}")
            except httpx.HTTPError as exc:
                outcome, ok = type(exc).__name__, False
                if not example:
                    example.append(f"{outcome}: {exc}")
            latencies.append((time.perf_counter() - started) * 1000)
            if not ok:
                errors[outcome] += 1

    started = time.perf_counter()
    await asyncio.gather(*(one_client(client) for client in clients))
    return Burst(time.perf_counter() - started, latencies, errors, example[0] if example else None)


def summarise(burst: Burst) -> dict[str, Any]:
    n = len(burst.latencies_ms)
    return {
        "requests": n,
        "seconds": round(burst.seconds, 3),
        "throughput_rps": round(n / burst.seconds, 1),
        "p50_ms": round(percentile(burst.latencies_ms, 50), 2),
        "p95_ms": round(percentile(burst.latencies_ms, 95), 2),
        "p99_ms": round(percentile(burst.latencies_ms, 99), 2),
        "max_ms": round(max(burst.latencies_ms), 2),
        "errors": sum(burst.errors.values()),
        "error_kinds": dict(burst.errors),
        "error_example": burst.error_example,
    }


# --- throughput ------------------------------------------------------------------------------


@dataclass
class Options:
    requests: int
    warmup: int
    rounds: int
    concurrency: int
    event_rate: float
    event_seconds: float
    event_warmup: int
    shared_pool: bool
    quiet_wait: float
    logs_dir: Path


async def throughput_run(
    kind: str,
    round_no: int,
    databases: Databases,
    secrets: Secrets,
    children: Children,
    logdir: Path,
    options: Options,
) -> dict[str, Any]:
    background = await wait_for_quiet(options.quiet_wait)
    database_url = await databases.fresh()
    env = real_env(secrets, database_url, None) if kind == "real" else bare_env(database_url)
    workload = Workload(secrets.token)
    warmup = workload.requests(options.warmup)
    measured = workload.requests(options.requests)
    server = await start_server(children, kind, env, logdir, ready_path=None)
    try:
        async with load_clients(
            server.url, options.concurrency, shared_pool=options.shared_pool
        ) as clients:
            warm = await closed_loop(clients, server.path, warmup)
            server_cpu = cpu_seconds(server.process.pid)
            client_cpu = time.process_time()
            machine = machine_jiffies()
            with no_gc_pauses():
                burst = await closed_loop(clients, server.path, measured)
            machine_busy = busy_cores(machine, machine_jiffies())
            client_cpu = time.process_time() - client_cpu
            server_cpu_end = cpu_seconds(server.process.pid)
        if server.process.poll() is not None:
            raise RuntimeError(f"the {kind} app died during the run:\n{server.log_tail()}")
    finally:
        Children.stop(server.process)
    result = summarise(burst)
    server_cores = (
        (server_cpu_end - server_cpu) / burst.seconds
        if server_cpu is not None and server_cpu_end is not None
        else None
    )
    client_cores = client_cpu / burst.seconds
    result.update(
        {
            "kind": kind,
            "round": round_no,
            "background_cpu_before": round(background, 2) if background is not None else None,
            "warmup_errors": sum(warm.errors.values()),
            "server_cpu_ms_per_request": (
                round(server_cores * burst.seconds * 1000 / options.requests, 3)
                if server_cores is not None
                else None
            ),
            "server_cpu_cores": round(server_cores, 2) if server_cores is not None else None,
            "client_cpu_cores": round(client_cores, 2),
            # everything else the machine did meanwhile: the database server on PostgreSQL runs,
            # and any other work on the machine (which makes the numbers noisy)
            "other_cpu_cores": (
                round(max(0.0, machine_busy - server_cores - client_cores), 2)
                if machine_busy is not None and server_cores is not None
                else None
            ),
        }
    )
    print(
        f"  round {round_no} {kind:<4}  {result['throughput_rps']:8.1f} req/s  "
        f"p50 {result['p50_ms']:7.2f}  p95 {result['p95_ms']:7.2f}  p99 {result['p99_ms']:7.2f} ms"
        f"  errors {result['errors']}  server CPU {result['server_cpu_ms_per_request']} ms/req"
        f"  CPUs busy: server {result['server_cpu_cores']}, client {result['client_cpu_cores']},"
        f" other {result['other_cpu_cores']}",
        flush=True,
    )
    if result["error_example"]:
        print(f"    first error: {result['error_example']}", flush=True)
    if result["errors"] or result["warmup_errors"]:
        result["server_log"] = server.keep_log(
            options.logs_dir, f"{databases.name}-{kind}-round{round_no}"
        )
    return result


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ["throughput_rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "server_cpu_ms_per_request"]
    median: dict[str, Any] = {}
    for key in keys:
        values = [r[key] for r in runs if r.get(key) is not None]
        median[key] = round(statistics.median(values), 3) if values else None
    median["errors"] = sum(r["errors"] + r["warmup_errors"] for r in runs)
    return median


async def throughput(
    databases: Databases,
    secrets: Secrets,
    children: Children,
    logdir: Path,
    options: Options,
) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "real": []}
    for round_no in range(1, options.rounds + 1):
        for kind in ("bare", "real"):
            runs[kind].append(
                await throughput_run(kind, round_no, databases, secrets, children, logdir, options)
            )
    bare, real = median_of(runs["bare"]), median_of(runs["real"])
    throughput_ratio = real["throughput_rps"] / bare["throughput_rps"]
    p99_ratio = real["p99_ms"] / bare["p99_ms"]
    checks = {
        "throughput_ratio": throughput_ratio >= THROUGHPUT_RATIO_MIN,
        "p99_ratio": p99_ratio <= P99_RATIO_MAX,
        "zero_errors": bare["errors"] == 0 and real["errors"] == 0,
    }
    # the bare app serves faster than one client process can send: its figure is then the
    # client's, and the throughput ratio flatters the real app
    bare_client_bound = [
        run["client_cpu_cores"] >= CLIENT_BOUND_CORES
        and (run["server_cpu_cores"] or 0) < CLIENT_BOUND_CORES
        for run in runs["bare"]
    ]
    return {
        "nats": "unset: events accumulate in the outbox, nothing is published",
        "bare_runs_client_bound": sum(bare_client_bound),
        "runs": runs,
        "median": {"bare": bare, "real": real},
        "ratios": {
            "throughput_real_over_bare": round(throughput_ratio, 3),
            "p99_real_over_bare": round(p99_ratio, 3),
            "server_cpu_real_over_bare": (
                round(real["server_cpu_ms_per_request"] / bare["server_cpu_ms_per_request"], 2)
                if real["server_cpu_ms_per_request"] and bare["server_cpu_ms_per_request"]
                else None
            ),
        },
        "checks": checks,
        "passed": all(checks.values()),
    }


# --- event latency ---------------------------------------------------------------------------


async def wait_for_stream(js: Any, seconds: float = 15) -> None:
    """The relay creates the REFERRAL stream once connected; wait for it."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            await js.stream_info(REFERRAL_STREAM)
            return
        except NotFoundError:
            if time.monotonic() > deadline:
                raise RuntimeError("the relay never created the REFERRAL stream") from None
            await asyncio.sleep(0.1)


async def wait_for_published(js: Any, count: int, seconds: float = 60) -> None:
    """Wait until the REFERRAL stream holds `count` events: the relay has caught up."""
    deadline = time.monotonic() + seconds
    while (await js.stream_info(REFERRAL_STREAM)).state.messages < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the relay did not publish {count} warm-up events in {seconds} s")
        await asyncio.sleep(0.1)


async def open_loop(
    client: httpx.AsyncClient,
    requests: list[tuple[bytes, dict[str, str]]],
    rate: float,
) -> tuple[dict[str, float], list[float], Counter[str], float]:
    """Send at fixed times (i / rate), never waiting for earlier answers.

    Returns each created referral's send time by id, the HTTP latencies, the errors, and how late
    the worst send was against its schedule."""
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def send(content: bytes, headers: dict[str, str]) -> None:
        started = time.perf_counter()
        try:
            response = await client.post(REAL_PATH, content=content, headers=headers)
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] += 1
            return
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code == 201:
            sent_at[response.json()["id"]] = started
        else:
            errors[str(response.status_code)] += 1

    tasks: list[asyncio.Task[None]] = []
    worst_lag = 0.0
    begin = time.perf_counter() + 0.05
    for i, (content, headers) in enumerate(requests):
        due = begin + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        worst_lag = max(worst_lag, time.perf_counter() - due)
        tasks.append(asyncio.create_task(send(content, headers)))
    await asyncio.gather(*tasks)
    return sent_at, latencies, errors, worst_lag * 1000


@dataclass
class EventTally:
    """Events received, matched by their subject (the referral id) to what was sent."""

    latencies_ms: list[float]
    missing: list[str]
    duplicated: list[str]
    unexpected: list[str]

    @classmethod
    def of(
        cls,
        arrivals: list[tuple[float, bytes]],
        sent_at: dict[str, float],
        *,
        earlier: Iterable[str],
    ) -> EventTally:
        """Each sent referral's latency to its first event; those with none, those with more
        than one, and events for referrals neither sent now nor `earlier` (the warm-up)."""
        by_referral: dict[str, list[float]] = defaultdict(list)
        for arrived, data in arrivals:
            by_referral[str(json.loads(data)["subject"])].append(arrived)
        known = set(sent_at) | set(earlier)
        return cls(
            latencies_ms=[
                (by_referral[rid][0] - started) * 1000
                for rid, started in sent_at.items()
                if by_referral.get(rid)
            ],
            missing=[rid for rid in sent_at if not by_referral.get(rid)],
            duplicated=[rid for rid, times in by_referral.items() if len(times) > 1],
            unexpected=[rid for rid in by_referral if rid not in known],
        )


async def event_latency(
    databases: Databases,
    secrets: Secrets,
    children: Children,
    workdir: Path,
    options: Options,
) -> dict[str, Any]:
    background = await wait_for_quiet(options.quiet_wait)
    database_url = await databases.fresh()
    nats_server = children.start_nats(workdir / f"nats-{databases.name}")
    server = await start_server(
        children,
        "real",
        real_env(secrets, database_url, nats_server.url),
        workdir,
        ready_path="/ready",
    )
    arrivals: list[tuple[float, bytes]] = []

    async def on_message(msg: Any) -> None:
        arrivals.append((time.perf_counter(), msg.data))

    nc = await nats.connect(nats_server.url, name="bench-consumer")
    try:
        js = nc.jetstream()
        await wait_for_stream(js)
        workload = Workload(secrets.token)
        count = max(1, round(options.event_rate * options.event_seconds))
        measured = workload.requests(count)
        async with http_client(server.url, options.concurrency) as client:
            # Warm the service to its steady state first: in its first ~1000 referrals its heap
            # grows (caches, the NATS client) and it runs full garbage collections of 20-90 ms
            # that a long-running process does not (see docs/benchmarks.md).
            warm = await closed_loop(
                [client] * min(8, options.concurrency),
                REAL_PATH,
                workload.requests(options.event_warmup),
            )
            await wait_for_published(js, len(warm.latencies_ms) - sum(warm.errors.values()))
            subscription = await js.subscribe(
                SUBMITTED_SUBJECT,
                cb=on_message,
                ordered_consumer=True,
                deliver_policy=DeliverPolicy.NEW,
            )
            warm_ids, _, warm_errors, _ = await open_loop(
                client, workload.requests(max(10, int(options.event_rate))), options.event_rate
            )
            warm_errors.update(warm.errors)
            await asyncio.sleep(1.0)
            machine = machine_jiffies()
            server_cpu = cpu_seconds(server.process.pid)
            started = time.perf_counter()
            with no_gc_pauses(disable=True):
                sent_at, http_ms, errors, worst_lag_ms = await open_loop(
                    client, measured, options.event_rate
                )
            elapsed = time.perf_counter() - started
            server_cpu_end = cpu_seconds(server.process.pid)
            machine_busy = busy_cores(machine, machine_jiffies())
        # wait for the stragglers, then a little longer to catch any duplicate
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            received = {json.loads(data)["subject"] for _, data in arrivals}
            if received >= set(sent_at):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)
        await subscription.unsubscribe()
    finally:
        await nc.close()
        Children.stop(server.process)
        nats_server.stop()
    kept_log = (
        server.keep_log(options.logs_dir, f"{databases.name}-events")
        if errors or warm_errors
        else None
    )

    tally = EventTally.of(arrivals, sent_at, earlier=warm_ids)
    latencies, missing, duplicated, unexpected = (
        tally.latencies_ms,
        tally.missing,
        tally.duplicated,
        tally.unexpected,
    )
    p99 = percentile(latencies, 99)
    checks = {
        "p99_under_target": bool(latencies) and p99 < EVENT_P99_MS_MAX,
        "exactly_once": not missing and not duplicated and not unexpected,
        "zero_errors": not errors and not warm_errors,
    }
    return {
        "rate_per_second": options.event_rate,
        "seconds": options.event_seconds,
        "referrals": len(sent_at),
        "events_received": len(arrivals),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(max(latencies), 2) if latencies else None,
        "http_p99_ms": round(percentile(http_ms, 99), 2),
        "worst_send_lag_ms": round(worst_lag_ms, 2),
        "server_cpu_cores": (
            round((server_cpu_end - server_cpu) / elapsed, 2)
            if server_cpu is not None and server_cpu_end is not None
            else None
        ),
        "machine_cpu_cores_busy": round(machine_busy, 2) if machine_busy is not None else None,
        "background_cpu_before": round(background, 2) if background is not None else None,
        "missing": len(missing),
        "duplicated": len(duplicated),
        "unexpected": len(unexpected),
        "errors": dict(errors + warm_errors),
        "server_log": kept_log,
        "checks": checks,
        "passed": all(checks.values()),
    }


# --- the report ------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_database(name: str, result: dict[str, Any]) -> None:
    print(f"\n=== {name} ===")
    if result.get("skipped"):
        print(f"  skipped: {result['skipped']}")
        return
    tp = result.get("throughput")
    if tp is not None:
        print_throughput(tp)
    ev = result.get("events")
    if ev is not None:
        print_events(ev)


def print_throughput(tp: dict[str, Any]) -> None:
    print(f"  throughput, median of {len(tp['runs']['real'])} alternating runs per app")
    print(f"  (NATS {tp['nats']})")
    print(
        f"  {'app':<6}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'errors':>8}"
        f"{'CPU ms/req':>12}"
    )
    for kind in ("bare", "real"):
        m = tp["median"][kind]
        print(
            f"  {kind:<6}{m['throughput_rps']:>10.1f}{m['p50_ms']:>10.2f}{m['p95_ms']:>10.2f}"
            f"{m['p99_ms']:>10.2f}{m['errors']:>8}{m['server_cpu_ms_per_request'] or 0:>12.3f}"
        )
    ratios, checks = tp["ratios"], tp["checks"]
    print(
        f"  real/bare throughput {ratios['throughput_real_over_bare']:.2f}"
        f"  (target >= {THROUGHPUT_RATIO_MIN})  {verdict(checks['throughput_ratio'])}"
    )
    print(
        f"  real/bare p99        {ratios['p99_real_over_bare']:.2f}"
        f"  (target <= {P99_RATIO_MAX})  {verdict(checks['p99_ratio'])}"
    )
    print(f"  errors               {verdict(checks['zero_errors'])}")
    if ratios["server_cpu_real_over_bare"] is not None:
        print(f"  real/bare server CPU per request {ratios['server_cpu_real_over_bare']:.2f}")
    if tp["bare_runs_client_bound"]:
        print(
            f"  {tp['bare_runs_client_bound']} of {len(tp['runs']['bare'])} bare runs were limited"
            " by the load generator (a whole CPU), not the bare server:\n  the bare figure is the"
            " most this client sends, so the throughput ratio is an upper bound"
        )
    others = [r["other_cpu_cores"] for k in ("bare", "real") for r in tp["runs"][k]]
    known = [o for o in others if o is not None]
    if known:
        print(
            f"  CPUs busy outside client and server during runs: up to {max(known):.2f} "
            "(PostgreSQL itself on postgres runs; anything more is other work on the machine)"
        )


def print_events(ev: dict[str, Any]) -> None:
    print(
        f"  event latency, request sent -> consumer received, {ev['rate_per_second']:g}/s open "
        f"loop for {ev['seconds']:g} s ({ev['referrals']} referrals):"
    )
    print(
        f"    p50 {ev['p50_ms']:.2f}  p95 {ev['p95_ms']:.2f}  p99 {ev['p99_ms']:.2f}  "
        f"max {ev['max_ms']} ms  (target p99 < {EVENT_P99_MS_MAX:g})  "
        f"{verdict(ev['checks']['p99_under_target'])}"
    )
    print(
        f"    exactly once: missing {ev['missing']}, duplicated {ev['duplicated']}, "
        f"unexpected {ev['unexpected']}  {verdict(ev['checks']['exactly_once'])};  "
        f"HTTP errors {ev['errors'] or 0}  {verdict(ev['checks']['zero_errors'])};  "
        f"HTTP p99 {ev['http_p99_ms']} ms; worst send lag {ev['worst_send_lag_ms']} ms"
    )
    print(
        f"    CPUs busy meanwhile: whole machine {ev['machine_cpu_cores_busy']}, "
        f"referral-api {ev['server_cpu_cores']}"
    )


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per run")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests per run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating bare/real rounds (the median counts)"
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="a PostgreSQL server to create fresh bench_* databases on (its database is only "
        "used to connect)",
    )
    parser.add_argument(
        "--phases", default="throughput,events", help="comma-separated: throughput, events"
    )
    parser.add_argument("--event-rate", type=float, default=50.0, help="referrals per second")
    parser.add_argument("--event-seconds", type=float, default=15.0)
    parser.add_argument(
        "--event-warmup",
        type=int,
        default=1000,
        help="referrals sent (closed loop) before the event latency run, to reach steady state",
    )
    parser.add_argument(
        "--shared-pool",
        action="store_true",
        help="drive the throughput runs through one httpx client with a pool of --concurrency "
        "connections instead of one single-connection client each (costs ~3x client CPU)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="before each run, wait up to this many seconds for other processes to leave the "
        "CPUs idle (0: do not wait)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    args = parser.parse_args(argv)
    args.database_list = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(args.database_list) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    args.phase_list = [p.strip() for p in args.phases.split(",") if p.strip()]
    if not args.phase_list or set(args.phase_list) - {"throughput", "events"}:
        parser.error("--phases takes throughput, events or both")
    if args.rounds < 1 or args.requests < 1:
        parser.error("--rounds and --requests must be at least 1")
    return args


async def run(args: argparse.Namespace, children: Children, workdir: Path) -> dict[str, Any]:
    main_task = asyncio.current_task()
    assert main_task is not None
    with contextlib.suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    options = Options(
        requests=args.requests,
        warmup=args.warmup,
        rounds=args.rounds,
        concurrency=args.concurrency,
        event_rate=args.event_rate,
        event_seconds=args.event_seconds,
        event_warmup=args.event_warmup,
        shared_pool=args.shared_pool,
        quiet_wait=args.quiet_wait,
        logs_dir=args.output.parent,
    )
    secrets = Secrets(DevIdentityProvider(workdir / "devidp"))
    cores = core_count()
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source_version(),
        "command": " ".join(
            [".venv/bin/python", "tests/benchmarks/bench_referrals.py", *sys.argv[1:]]
        ),
        "machine": {
            **cores,
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "options": {**vars(options), "logs_dir": str(options.logs_dir)},
        "targets": {
            "throughput_real_over_bare_min": THROUGHPUT_RATIO_MIN,
            "p99_real_over_bare_max": P99_RATIO_MAX,
            "errors": 0,
            "event_p99_ms_max": EVENT_P99_MS_MAX,
        },
        "databases": {},
    }
    idle_load = await background_load()
    report["machine"]["background_cpu_cores_at_start"] = (
        round(idle_load, 2) if idle_load is not None else None
    )
    print(
        f"machine: {cores['logical_cpus']} logical CPUs ({cores['usable_cpus']} usable), "
        f"{report['machine']['platform']}, Python {report['machine']['python']}"
    )
    if idle_load is not None:
        print(f"background load before starting: {idle_load:.2f} CPUs busy with other work")
        if idle_load > 0.25:
            print(
                "  warning: other processes are using the CPUs; the numbers will be noisy and "
                "pessimistic. Rerun on a quiet machine for figures to compare."
            )
    print(
        f"{options.requests} measured + {options.warmup} warm-up requests per run, "
        f"{options.concurrency} concurrent clients, {options.rounds} rounds of bare then real"
    )
    print(
        "throughput runs leave NATS unset: referral events accumulate in the outbox and nothing "
        "is published (the relay is measured in the event latency runs)",
        flush=True,
    )
    for name in args.database_list:
        databases: Databases = (
            SqliteDatabases(workdir) if name == "sqlite" else PostgresDatabases(args.postgres_url)
        )
        print(f"\n--- {name} ---", flush=True)
        reason = await databases.unavailable()
        if reason is not None:
            print(f"  skipped: PostgreSQL at {args.postgres_url} is unreachable ({reason})")
            report["databases"][name] = {"skipped": f"unreachable: {reason}"}
            continue
        try:
            await databases.prepare()
            result: dict[str, Any] = {}
            if "throughput" in args.phase_list:
                result["throughput"] = await throughput(
                    databases, secrets, children, workdir, options
                )
            if "events" in args.phase_list:
                print("  event latency run ...", flush=True)
                result["events"] = await event_latency(
                    databases, secrets, children, workdir, options
                )
            report["databases"][name] = result
        finally:
            await databases.cleanup()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cache_missing_sniffio()
    children = Children()
    workdir = Path(tempfile.mkdtemp(prefix="bench-referrals-"))
    try:
        report = asyncio.run(run(args, children, workdir))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\ninterrupted: stopped everything the benchmark started", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)

    ran = {n: r for n, r in report["databases"].items() if not r.get("skipped")}
    passed = all(phase["passed"] for result in ran.values() for phase in result.values())
    report["passed"] = passed
    for name, result in report["databases"].items():
        print_database(name, result)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults: {args.output}")
    if not ran:
        print("no database was benchmarked")
        return 1
    print("ALL TARGETS MET" if passed else "SOME TARGETS MISSED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
