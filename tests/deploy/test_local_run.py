"""`make run` (deploy/local/run.py) for real: it starts every service and NATS, takes a referral,
and Ctrl-C stops everything it started, quietly.

The ports and the state directory come from the environment, so the test never touches the
default ports (8001-8004, 4222) or the repository's `.local/`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from contracts.sealed import open_sealed, public_key_of, seal
from referral_api.referrals.schemas import example_referral
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.nats import free_port

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "deploy/local/run.py"
sys.path.insert(0, str(ROOT / "deploy"))
from servicelist import services  # noqa: E402 - deploy/ is not a package

OFFSETS = {service.name: service.port for service in services()}


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port_base() -> int:
    """A base whose ports for the services are all free."""
    for _ in range(50):
        base = free_port() // 100 * 100
        if all(not listening(base + n) for n in OFFSETS.values()):
            return base
    raise RuntimeError("no free run of ports")


def kill_processes_using(directory: Path) -> list[str]:
    """Kill any process whose command line names `directory`; their command lines."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(directory) in cmdline:
            found.append(cmdline)
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGKILL)
    return found


def wait_for_text(path: Path, text: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while text not in path.read_text(errors="replace"):
        if process.poll() is not None:
            raise AssertionError(f"run.py exited early:\n{path.read_text(errors='replace')}")
        assert time.monotonic() < deadline, f"no {text!r} in:\n{path.read_text(errors='replace')}"
        time.sleep(0.2)


def test_make_run_serves_and_ctrl_c_stops_everything_quietly(tmp_path: Path) -> None:
    base, nats_port = free_port_base(), free_port()
    ports = {name: base + offset for name, offset in OFFSETS.items()}
    referral_port = ports["referral-api"]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REFERRAL_", "ASSESSMENT_")) and k != "NATS_URL"
    }
    env |= {
        "LOCAL_DIR": str(tmp_path / "local"),
        "DEVIDP_DIR": str(tmp_path / "local/devidp"),
        "RUN_PORT_BASE": str(base),
        "RUN_NATS_PORT": str(nats_port),
    }
    output = tmp_path / "run.log"
    with output.open("wb") as out:
        # its own process group, as a terminal's foreground job is: Ctrl-C goes to the group
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, str(RUN)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_text(output, "is running", process, seconds=120)
        for port in ports.values():  # every service services.toml lists
            assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
        assert listening(nats_port)
        idp = DevIdentityProvider(tmp_path / "local/devidp")
        token = idp.token(role="officer", forces=["demo"])
        created = httpx.post(
            f"http://127.0.0.1:{referral_port}/v1/referrals",
            json=example_referral(),
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        assert f"http://127.0.0.1:{referral_port}" in output.read_text()

        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        leftovers = kill_processes_using(tmp_path)  # NATS runs in a session of its own
    log = output.read_text(errors="replace")
    assert leftovers == [], f"still running after Ctrl-C: {leftovers}"
    assert "Traceback" not in log, log
    assert "NATS connection" not in log, log  # NATS outlived every service using it
    for port in [*ports.values(), nats_port]:
        assert not listening(port), f"something still listens on {port}:\n{log}"
    keys = json.loads((tmp_path / "local/keys.json").read_text())
    # made under LOCAL_DIR, not .local/
    assert set(keys) >= {"field_key", "identity_key", "scheduling_private_key"}


def load_run(local: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """deploy/local/run.py as a module, keeping its state in `local`."""
    monkeypatch.setenv("LOCAL_DIR", str(local))
    monkeypatch.syspath_prepend(str(RUN.parent))
    spec = importlib.util.spec_from_file_location("local_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_local_keys_include_the_scheduling_pair_assessment_api_seals_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = load_run(tmp_path / "local", monkeypatch)
    keys = run.load_keys()
    assert run.load_keys() == keys  # made once
    stored = json.loads((tmp_path / "local/keys.json").read_text())
    assert stored == keys
    # scheduling-api's private half is kept under the name it will read it by
    assert public_key_of(keys["scheduling_private_key"]) == keys["scheduling_public_key"]
    assert public_key_of(keys["assessment_private_key"]) == keys["assessment_public_key"]
    public = run.extra_env(keys)["assessment-api"]["SCHEDULING_PUBLIC_KEY"]
    sealed = seal(b'{"phone": "07700 900123"}', public_key=public, kid="scheduling-1")
    assert open_sealed(sealed, private_key=keys["scheduling_private_key"]).startswith(b'{"phone"')


def test_a_keys_file_from_before_the_scheduling_pair_keeps_its_keys_and_gains_the_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = load_run(tmp_path / "local", monkeypatch)
    earlier = {
        name: value for name, value in run.load_keys().items() if not name.startswith("scheduling_")
    }
    (tmp_path / "local/keys.json").write_text(json.dumps(earlier))
    keys = run.load_keys()
    assert {name: keys[name] for name in earlier} == earlier
    assert public_key_of(keys["scheduling_private_key"]) == keys["scheduling_public_key"]
    assert json.loads((tmp_path / "local/keys.json").read_text()) == keys
