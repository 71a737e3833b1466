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
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

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


def run_env(tmp_path: Path, base: int, nats_port: int) -> dict[str, str]:
    """This environment without any service's settings, and `make run`'s moved aside."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REFERRAL_", "ASSESSMENT_")) and k not in {"NATS_URL", "DEVIDP_DIR"}
    }
    return env | {
        "LOCAL_DIR": str(tmp_path / "local"),
        "RUN_PORT_BASE": str(base),
        "RUN_NATS_PORT": str(nats_port),
    }


def test_make_run_serves_and_ctrl_c_stops_everything_quietly(tmp_path: Path) -> None:
    base, nats_port = free_port_base(), free_port()
    ports = {name: base + offset for name, offset in OFFSETS.items()}
    referral_port = ports["referral-api"]
    env = run_env(tmp_path, base, nats_port) | {"DEVIDP_DIR": str(tmp_path / "local/devidp")}
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


def run_until_exit(env: dict[str, str], seconds: float = 60) -> tuple[int, str]:
    """Run `make run` (run.py) until it exits by itself: its exit code and output."""
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(RUN)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=seconds,
        start_new_session=True,
        check=False,
    )
    return done.returncode, done.stdout.decode(errors="replace")


def test_a_service_port_in_use_is_named_and_fails(tmp_path: Path) -> None:
    base, nats_port = free_port_base(), free_port()
    taken = base + OFFSETS["assessment-api"]
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", taken))
        holder.listen()
        code, output = run_until_exit(run_env(tmp_path, base, nats_port))
    assert code != 0, output
    assert f"port {taken} for assessment-api is in use" in output, output
    assert "RUN_PORT_BASE" in output, output  # and how to run beside it
    assert "is running" not in output
    assert kill_processes_using(tmp_path) == []  # nothing left behind, NATS included
    assert not listening(nats_port)


def test_a_taken_nats_port_fails_before_the_banner(tmp_path: Path) -> None:
    base, nats_port = free_port_base(), free_port()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", nats_port))
        holder.listen()
        code, output = run_until_exit(run_env(tmp_path, base, nats_port))
    assert code != 0, output
    assert f"port {nats_port} for NATS (RUN_NATS_PORT) is in use" in output, output
    assert "is running" not in output
    assert kill_processes_using(tmp_path) == []
    for offset in OFFSETS.values():
        assert not listening(base + offset)


@dataclass
class MovedRun:
    """`make run` with only LOCAL_DIR, RUN_PORT_BASE and RUN_NATS_PORT set, as a person running
    it beside another would."""

    base: int
    env: dict[str, str]
    output: Path
    directory: Path

    def port(self, service: str) -> int:
        return self.base + OFFSETS[service]


@pytest.fixture(scope="module")
def moved_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MovedRun]:
    directory = tmp_path_factory.mktemp("moved-run")
    base, nats_port = free_port_base(), free_port()
    env = run_env(directory, base, nats_port)
    output = directory / "run.log"
    with output.open("wb") as out:
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
        yield MovedRun(base, env, output, directory)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            kill_processes_using(directory)


def test_the_banner_token_command_works_with_local_dir_set(moved_run: MovedRun) -> None:
    """LOCAL_DIR alone moves the state: the token the banner's command makes is one the
    services accept, and nothing is written to the repository's .local/."""
    repository_idp = ROOT / ".local/devidp"
    before = sorted(repository_idp.iterdir()) if repository_idp.exists() else None
    banner = moved_run.output.read_text()
    try_it = next(line for line in banner.splitlines() if "Try it:" in line)
    command = try_it.split("Try it:", 1)[1].strip()
    assert f"http://127.0.0.1:{moved_run.port('referral-api')}/" in command
    # as a person pasting it would: from another directory, with LOCAL_DIR not exported
    shell_env = {k: v for k, v in moved_run.env.items() if k != "LOCAL_DIR"}
    answer = subprocess.run(  # noqa: S603 - the banner's own command
        ["/bin/bash", "-c", command + " --silent --show-error --fail-with-body"],
        env=shell_env,
        cwd=moved_run.directory,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert answer.returncode == 0, (answer.stdout, answer.stderr, banner)
    assert json.loads(answer.stdout)["id"] == "demo"
    assert "ROLE=officer FORCE=demo" in banner
    after = sorted(repository_idp.iterdir()) if repository_idp.exists() else None
    assert after == before, "make token wrote keys to the repository's .local/"


WALKTHROUGH = "## One referral, from the portal to its booking and back"
STEPS = {
    1: ("officer", "/v1/eligibility-checks"),
    2: ("officer", "/v1/referrals"),
    3: ("worker", "/v1/cases"),
    4: ("worker", "/contact-attempts"),
    5: ("worker", "/assessment"),
    6: ("worker", "/assessment/completion"),
    7: ("worker", "/v1/bookings"),
    8: ("facilitator", "/v1/sessions/"),
    9: ("officer", "/v1/referrals/$REFERRAL"),
    10: ("analyst", "/v1/reports/summary"),
}


def walkthrough_steps() -> list[str]:
    """The README's walkthrough: its shell blocks, in order."""
    readme = (ROOT / "README.md").read_text()
    assert WALKTHROUGH in readme, "the README has lost its walkthrough"
    section = readme.split(WALKTHROUGH, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def test_the_readme_walkthrough_takes_a_referral_to_its_booking_and_back(
    moved_run: MovedRun,
) -> None:
    if shutil.which("curl") is None or shutil.which("jq") is None:
        pytest.skip("the README's walkthrough uses curl and jq (apt-get install -y curl jq)")
    steps = walkthrough_steps()
    assert len(steps) == 1 + len(STEPS), steps
    for number, (role, path) in STEPS.items():  # each step says who acts and gets their token
        step = steps[number]
        assert step.startswith(f"# {number}. {role}: "), step
        assert f"make -s token ROLE={role} FORCE=demo" in step, step
        assert path in step, step
    where = steps[0]
    for service, address in (
        ("referral-api", "8001"),
        ("assessment-api", "8002"),
        ("scheduling-api", "8003"),
        ("reporting-api", "8004"),
    ):
        assert f"http://127.0.0.1:{address}" in where
        where = where.replace(f":{address}", f":{moved_run.port(service)}")
    script = "set -euo pipefail\n" + where + "".join(steps[1:])
    done = subprocess.run(  # noqa: S603 - the README's own commands
        ["/bin/bash", "-c", script],
        env=moved_run.env,  # LOCAL_DIR exported, as the README says for a run moved aside
        cwd=ROOT,
        capture_output=True,
        timeout=180,
        check=False,
    )
    output = done.stdout.decode(errors="replace")
    assert done.returncode == 0, (output, done.stderr.decode(errors="replace"))
    answers = json_documents(output)
    allocated = next(a for a in answers if "allocation" in a)  # step 6
    assert allocated["status"] == "completed", output
    allocation = allocated["allocation"]
    assert allocation["pathway"] == allocation["proposed_pathway"], output  # as proposed
    assert allocation["overridden"] is False
    booking, session, referral, overview = answers[-4:]  # steps 7, 8, 9 and 10
    assert booking["status"] == "booked" and booking["pathway"] == allocation["pathway"], output
    assert session["booked"] >= 1 and session["starts_at"] == booking["session_starts_at"], output
    # back in referral-api, from the drug service's events
    assert referral["status"] == "booked" and referral["engagement"] == "booked", output
    steps = [step["status"] for step in referral["timeline"]]
    assert steps == ["submitted", "contacted", "assessed", "booked"], output
    # reporting-api: the demonstration force's synthetic year, then the funnel as CSV
    assert isinstance(overview["referrals"], int) and overview["referrals"] > 4000, output
    assert "Self defined ethnicity,Referred,Contacted,Assessed" in output, output
    assert "\r\nBlack," in output, output


def json_documents(output: str) -> list[dict[str, Any]]:
    """The JSON objects jq printed, in order, skipping the lines the steps echo between them."""
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    at = output.find("{")
    while at != -1:
        document, end = decoder.raw_decode(output, at)
        found.append(document)
        at = output.find("{", end)
    return found


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
