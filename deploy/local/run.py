"""`make run`: every service on a laptop, with SQLite files and a local NATS server.

Creates keys on first run (kept in .local/, never committed), migrates and seeds each service's
database, starts NATS with JetStream unless NATS_URL is set, starts each service on its port,
prints the URLs and how to get a token. Ctrl-C stops everything it started.

The services are services.toml's, each on RUN_PORT_BASE (default 8000) plus its port there:
referral-api on 8001, assessment-api on 8002. Settings for running beside something else:
LOCAL_DIR (state, default .local/), RUN_PORT_BASE, RUN_NATS_PORT (default 4222, or a free port
when 4222 is taken), NATS_URL (use that server instead of starting one).
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from machine import free_port, nats_server_binary, port_free, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
from servicelist import Service, services  # noqa: E402 - deploy/ is not a package

LOCAL = Path(os.environ.get("LOCAL_DIR", ROOT / ".local")).resolve()
PORT_BASE = int(os.environ.get("RUN_PORT_BASE", "8000"))
BIN = Path(sys.executable).parent
SERVICES = services()


def extra_env(keys: dict[str, str]) -> dict[str, dict[str, str]]:
    """Settings only some services have, by service: the keys they share and the portal."""
    return {
        "referral-api": {
            "IDENTITY_KEY": keys["identity_key"],
            "ASSESSMENT_PUBLIC_KEY": keys["assessment_public_key"],
            "PWA_DIR": str(ROOT / "pwa"),
            "DEV_IDP_DIR": str(devidp_dir()),
            # webhook receivers on this machine (http, 127.0.0.1) are allowed only here
            "DEVELOPMENT": "true",
        },
        "assessment-api": {
            "PRIVATE_KEY": keys["assessment_private_key"],
            "SCHEDULING_PUBLIC_KEY": keys["scheduling_public_key"],
        },
        # the dashboard's sign-in as a demonstration analyst or supervisor
        "reporting-api": {"DEV_IDP_DIR": str(devidp_dir())},
    }


def devidp_dir() -> Path:
    """The development identity provider's keys: DEVIDP_DIR, else under LOCAL_DIR, as for
    `make token`."""
    return Path(os.environ.get("DEVIDP_DIR", LOCAL / "devidp")).resolve()


def token_command() -> str:
    """The `make token` that signs with the provider this run trusts, from any directory."""
    settings = ""
    if (ROOT / ".local").resolve() != LOCAL:
        settings += f" LOCAL_DIR={shlex.quote(str(LOCAL))}"
    if devidp_dir() != LOCAL / "devidp":
        settings += f" DEVIDP_DIR={shlex.quote(str(devidp_dir()))}"
    return f"make -s -C {shlex.quote(str(ROOT))} token{settings}"


def service_port(service: Service) -> int:
    return PORT_BASE + service.port


def database_url(service: Service) -> str:
    return f"sqlite+aiosqlite:///{LOCAL / (service.name + '.db')}"


def new_keys() -> list[dict[str, str]]:
    """Fresh local keys, each group made together: field encryption, identity hashing, and the
    sealed-field key pairs (contact details are sealed to assessment-api, the reminder contact to
    scheduling-api, whose private half waits here for scheduling-api)."""
    from contracts.sealed import generate_keypair
    from servicekit.crypto import new_key

    assessment_private, assessment_public = generate_keypair()
    scheduling_private, scheduling_public = generate_keypair()
    return [
        {"field_key": new_key()},
        {"identity_key": new_key()},
        {"assessment_private_key": assessment_private, "assessment_public_key": assessment_public},
        {"scheduling_private_key": scheduling_private, "scheduling_public_key": scheduling_public},
    ]


def load_keys() -> dict[str, str]:
    """Local keys, made once. A keys file from before a key was added keeps its keys (what is on
    disk and in NATS was made with them) and gains the new ones."""
    path = LOCAL / "keys.json"
    kept: dict[str, str] = dict(json.loads(path.read_text())) if path.exists() else {}
    added = {
        name: value
        for group in new_keys()
        if not group.keys() & kept.keys()
        for name, value in group.items()
    }
    if path.exists() and not added:
        return kept
    keys = kept | added
    LOCAL.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys, indent=2))
    path.chmod(0o600)
    return keys


def nats_port() -> int:
    """RUN_NATS_PORT if set, else 4222 when free, else any free port."""
    if os.environ.get("RUN_NATS_PORT"):
        return int(os.environ["RUN_NATS_PORT"])
    return 4222 if port_free(4222) else free_port()


def check_ports_free(nats: int | None) -> None:
    """Refuse to start anything when a port this run needs is taken, naming it and the way out."""
    for service in SERVICES:
        port = service_port(service)
        if not port_free(port):
            raise SystemExit(
                f"port {port} for {service.name} is in use: stop what holds it, or run beside "
                f"it with another RUN_PORT_BASE (now {PORT_BASE}; {service.name} is on "
                f"RUN_PORT_BASE+{service.port})"
            )
    if nats is not None and not port_free(nats):
        raise SystemExit(
            f"port {nats} for NATS (RUN_NATS_PORT) is in use: stop what holds it, choose another "
            "RUN_NATS_PORT, or set NATS_URL to use a NATS server that is already running"
        )


def start_nats(children: list[subprocess.Popen[bytes]], port: int) -> str:
    store = LOCAL / "nats"
    store.mkdir(parents=True, exist_ok=True)
    log_path = LOCAL / "nats.log"
    log = log_path.open("ab")
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=log,
        stderr=log,
        # out of the terminal's process group: Ctrl-C reaches the services, and NATS is
        # stopped after them (`stop` in main), so none of them sees it vanish mid-shutdown
        start_new_session=True,
    )
    children.append(server)
    # the port answering is not enough: another process may have taken it in the meantime
    if not wait_for_port(port) or server.poll() is not None:
        raise SystemExit(f"NATS did not start on port {port}; see {log_path}")
    return f"nats://127.0.0.1:{port}"


def service_env(
    service: Service, keys: dict[str, str], nats_url: str, jwks_url: str
) -> dict[str, str]:
    from servicekit.devidp import ISSUER

    env = dict(os.environ)
    settings = {
        "DATABASE_URL": database_url(service),
        "NATS_URL": nats_url,
        "JWKS_URL": jwks_url,
        "TRUSTED_ISSUERS": json.dumps({ISSUER: ["*"]}),
        "FIELD_KEYS": json.dumps({"local1": keys["field_key"]}),
        "FIELD_KEY_CURRENT": "local1",
        "JSON_LOGS": "false",
        **extra_env(keys).get(service.name, {}),
    }
    env.update({service.prefix + k: v for k, v in settings.items()})
    return env


def migrate_and_seed(service: Service, env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603
        [str(BIN / "alembic"), "-c", str(service.directory / "alembic.ini"), "upgrade", "heads"],
        env=env,
        check=True,
        cwd=service.directory,
    )
    subprocess.run([sys.executable, "-m", service.seed], env=env, check=True)  # noqa: S603


def main() -> None:
    from servicekit.devidp import DevIdentityProvider

    LOCAL.mkdir(parents=True, exist_ok=True)
    idp = DevIdentityProvider(devidp_dir())
    keys = load_keys()
    children: list[subprocess.Popen[bytes]] = []  # the services
    nats: list[subprocess.Popen[bytes]] = []  # the NATS server, unless NATS_URL names one

    def stop_all() -> None:
        # the services first, then NATS, which they use until they have stopped
        for group in (children, nats):
            for child in group:
                if child.poll() is None:
                    child.terminate()
            for child in group:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def stopped_by_signal(*_: object) -> None:
        stop_all()
        raise SystemExit(0)

    # SIGHUP too: a closed terminal would otherwise leave NATS, in its own session, running
    for stopping in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stopping, stopped_by_signal)
    try:
        own_nats = None if os.environ.get("NATS_URL") else nats_port()
        check_ports_free(own_nats)
        nats_url = os.environ["NATS_URL"] if own_nats is None else start_nats(nats, own_nats)
        for service in SERVICES:
            env = service_env(service, keys, nats_url, idp.jwks_url)
            migrate_and_seed(service, env)
            children.append(
                subprocess.Popen(  # noqa: S603
                    [
                        str(BIN / "uvicorn"),
                        "--factory",
                        service.factory,
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(service_port(service)),
                        "--no-access-log",
                    ],
                    env=env,
                    cwd=service.directory,
                )
            )
        for service, child in zip(SERVICES, children, strict=True):
            if not wait_for_port(service_port(service)) or child.poll() is not None:
                raise SystemExit(f"{service.name} did not start; its output is above")
        if any(server.poll() is not None for server in nats):
            raise SystemExit(f"NATS stopped while the services started; see {LOCAL / 'nats.log'}")
    except BaseException:
        # whatever stopped the start (a message, Ctrl-C, a failed migration) is what exits
        stop_all()
        raise
    referral_port = PORT_BASE + 1
    print("\nDiversion platform is running (Ctrl-C stops everything):\n")
    print(f"  NATS            {nats_url}")
    for service in SERVICES:
        print(f"  {service.name:<15} http://127.0.0.1:{service_port(service)}  (docs at /docs)")
    print(f"  officers' PWA   http://127.0.0.1:{referral_port}/")
    for service in SERVICES:
        if service.name == "reporting-api":
            print(f"  dashboard       http://127.0.0.1:{service_port(service)}/dashboard")
    print(f"\n  A token:  {token_command()} ROLE=officer FORCE=demo")
    print("  Roles: officer supervisor worker facilitator analyst integration admin")
    print(
        f'  Try it:   curl -H "Authorization: Bearer $({token_command()})" '
        f"http://127.0.0.1:{referral_port}/v1/force\n",
        flush=True,
    )
    while True:
        for child in children + nats:
            if child.poll() is not None:
                print(f"a process exited with {child.returncode}; stopping", file=sys.stderr)
                stop_all()
                raise SystemExit(1)
        time.sleep(1)


if __name__ == "__main__":
    main()
