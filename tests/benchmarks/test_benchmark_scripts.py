"""The benchmark scripts still run against the code as it is now, on a few requests.

These check that the scripts work, not the figures: a few dozen requests say nothing about
throughput. The figures come from full runs (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def run_script(script: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(HERE / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_cost_breakdown_times_every_stage_of_a_referral(tmp_path: Path) -> None:
    output = tmp_path / "costs.json"
    done = run_script(
        "referral_costs.py", "--requests", "20", "--rounds", "1", "--output", str(output)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(output.read_text())
    # a stage at zero means its function is no longer on the request path: the table would
    # silently leave that work out
    missing = [label for label, us in report["real_stages_us"].items() if not us > 0]
    assert missing == []
    assert all(us > 0 for us in report["required_work_us"].values())
    assert report["real_us"] > report["bare_us"] > 0
    # each stage's time is inclusive of the stages under it: an inner stage that outweighs its
    # parent means a wrapper counted something twice or missed its parent
    stages = report["real_stages_us"]
    within = [
        ("submit: rules, row, event", "endpoint"),
        ("person's history query", "submit: rules, row, event"),
        ("event built (sealing included)", "submit: rules, row, event"),
        ("contact details sealed", "event built (sealing included)"),
        ("commit: staged rows and COMMIT", "endpoint"),
        ("COMMIT itself", "commit: staged rows and COMMIT"),
    ]
    assert [(inner, outer) for inner, outer in within if stages[inner] > stages[outer]] == []
    assert (
        stages["endpoint"] + stages["dependencies: token, body, session, force"] < report["real_us"]
    )


@pytest.mark.nats
@pytest.mark.slow
def test_referral_benchmark_runs_both_apps_and_counts_every_event(tmp_path: Path) -> None:
    output = tmp_path / "referrals.json"
    done = run_script(
        "bench_referrals.py",
        "--databases",
        "sqlite",
        "--requests",
        "20",
        "--warmup",
        "10",
        "--rounds",
        "1",
        "--quiet-wait",
        "0",
        "--event-seconds",
        "1",
        "--event-warmup",
        "5",
        "--output",
        str(output),
    )
    # the exit status says whether the targets were met, which 20 requests cannot tell
    assert done.returncode in (0, 1), done.stdout + done.stderr
    sqlite = json.loads(output.read_text())["databases"]["sqlite"]
    assert sqlite["throughput"]["checks"]["zero_errors"], done.stdout
    for kind in ("bare", "real"):
        assert sqlite["throughput"]["median"][kind]["throughput_rps"] > 0
    events = sqlite["events"]
    assert events["checks"]["exactly_once"] and events["checks"]["zero_errors"], done.stdout
    assert events["referrals"] > 0


@pytest.mark.nats
@pytest.mark.slow
def test_booking_benchmark_books_every_assessment_once_against_its_baseline(
    tmp_path: Path,
) -> None:
    output = tmp_path / "booking.json"
    done = run_script(
        "bench_booking.py",
        "--databases",
        "sqlite",
        "--seconds",
        "1",
        "--warmup",
        "5",
        "--quiet-wait",
        "0",
        "--output",
        str(output),
    )
    # the exit status says whether the target was met, which 20 assessments cannot tell
    assert done.returncode in (0, 1), done.stdout + done.stderr
    sqlite = json.loads(output.read_text())["databases"]["sqlite"]
    for kind in ("bare", "real"):
        run = sqlite[kind]
        assert run["exactly_once"] and run["publish_failures"] == 0, done.stdout
        assert run["assessments"] == 20 and run["bookings_received"] >= 20
    assert sqlite["p99_real_over_bare"] > 0
    # every booking went through the whole path, its reminders scheduled from the sealed contact
    assert sqlite["real"]["bookings_with_reminders"] == 25


@pytest.mark.nats
@pytest.mark.slow
def test_completion_benchmark_closes_every_marked_referral_once(tmp_path: Path) -> None:
    output = tmp_path / "completion.json"
    done = run_script(
        "bench_completion.py",
        "--databases",
        "sqlite",
        "--seconds",
        "1",
        "--warmup",
        "5",
        "--quiet-wait",
        "0",
        "--output",
        str(output),
    )
    # the exit status says whether the target was met, which 20 marks cannot tell
    assert done.returncode in (0, 1), done.stdout + done.stderr
    sqlite = json.loads(output.read_text())["databases"]["sqlite"]
    assert sqlite["exactly_once"] and sqlite["mark_failures"] == 0, done.stdout
    assert sqlite["marks"] == 20
    stages = ("attendance_answered", "intervention_completed_on_bus", "referral_closed_on_bus")
    p99 = [sqlite[stage]["p99_ms"] for stage in stages]
    assert p99[0] > 0 and all(later > 0 for later in p99[1:])


@pytest.mark.nats
@pytest.mark.slow
def test_reporting_benchmark_consumes_every_referral_and_rebuilds_them(tmp_path: Path) -> None:
    output = tmp_path / "reporting.json"
    done = run_script(
        "bench_reporting.py",
        "--databases",
        "sqlite",
        "--forces",
        "2",
        "--referrals-per-year",
        "100",
        "--seconds",
        "2",
        "--quiet-wait",
        "0",
        "--output",
        str(output),
    )
    # the exit status says whether the targets were met, which 200 referrals cannot tell
    assert done.returncode in (0, 1), done.stdout + done.stderr
    sqlite = json.loads(output.read_text())["databases"]["sqlite"]
    # 2 forces x 100 referrals a year, every one projected live and again by the rebuild
    assert sqlite["referrals"] == 200
    assert sqlite["referral_facts_live"] == 200, done.stdout
    assert sqlite["rebuild"]["state"] == "active" and sqlite["referral_facts_rebuilt"] == 200
    assert sqlite["rebuild"]["events_replayed"] == sqlite["catch_up"]["events"]
    assert sqlite["peak_rss_mib"] > 0
    # every report the service serves was timed without an error
    reports = sqlite["reports"]
    assert not reports["errors"]
    assert set(reports["timed"]) | set(reports["missing"]) == {
        "summary", "funnel", "disproportionality", "timeliness", "needs", "officers"
    }  # fmt: skip
