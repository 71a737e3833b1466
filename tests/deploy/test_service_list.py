"""services.toml is the one list of services: every folder is in it, and whatever enumerates the
services (the Makefile, the dev install, lint settings, Compose, Kubernetes, the secrets
generator) agrees with it.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(DEPLOY))
from servicelist import Service, deployment, parse, parse_deployment, services  # noqa: E402 - deploy/ is not a package

LISTED = services()
NAMES = [service.name for service in LISTED]


def make_dry_run(target: str) -> str:
    """The commands `make <target>` would run, made as if nothing were up to date."""
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["make", "--dry-run", "--always-make", target],  # noqa: S607 - make from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# ---- the list and the folders -----------------------------------------------------------------


def test_every_service_folder_is_listed_and_every_listed_service_has_a_folder() -> None:
    folders = {path.name for path in (ROOT / "services").glob("*-api") if path.is_dir()}
    assert folders - set(NAMES) == set(), "add these folders to services.toml"
    assert set(NAMES) - folders == set(), "services.toml names folders that do not exist"


@pytest.mark.parametrize("service", LISTED, ids=lambda s: s.name)
def test_listed_service_has_its_package_app_seed_and_migrations(service: Service) -> None:
    source = service.directory / "src" / service.package
    assert (service.directory / "pyproject.toml").is_file()
    assert (service.directory / "alembic.ini").is_file()
    assert (source / "main.py").is_file(), f"{service.factory} needs {source / 'main.py'}"
    seed = service.directory / "src" / (service.seed.replace(".", "/") + ".py")
    assert seed.is_file(), f"seed {service.seed} is not a module of {service.name}"
    config = (source / "config.py").read_text()
    assert f'env_prefix="{service.prefix}"' in config, f"{service.name} reads another prefix"


ENTRY = (
    'name = "{name}"\npackage = "{package}"\nport = {port}\nprefix = "{prefix}"\nseed = "{seed}"\n'
)


def entry(name: str = "scheduling-api", **changes: object) -> str:
    package = name.replace("-", "_")
    values: dict[str, object] = {
        "name": name,
        "package": package,
        "port": 3,
        "prefix": "SCHEDULING_",
        "seed": f"{package}.seed",
    }
    return "[[service]]\n" + ENTRY.format(**(values | changes))


def test_a_good_entry_parses_with_what_the_consumers_derive() -> None:
    (service,) = parse(entry())
    assert service.factory == "scheduling_api.main:app"
    assert service.database == "scheduling"
    assert service.directory == ROOT / "services" / "scheduling-api"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no [[service]] entries"),
        (entry() + "image = 'x'\n", "unknown image"),
        (entry().replace('seed = "scheduling_api.seed"\n', ""), "missing seed"),
        (entry(port='"3"'), "port must be a whole number"),
        (entry().replace('"scheduling_api.seed"', "1"), "seed must be a quoted string"),
        (entry(port=0), "port is an offset"),
        (entry(name="Scheduling"), "name must be lower-case words"),
        (entry(name="scheduling"), "ending -api"),
        (entry(prefix="SCHEDULING"), "prefix must be upper-case"),
        (entry(package="scheduling"), "package must be scheduling_api"),
        (entry(seed="referral_api.seed"), "seed must be a module of scheduling_api"),
        (entry() + entry(name="reporting-api", prefix="REPORTING_"), "share the port 3"),
        (entry() + entry(port=4), "share the name scheduling-api"),
        (entry() + entry(name="reporting-api", port=4), "share the prefix SCHEDULING_"),
    ],
)
def test_a_wrong_entry_is_refused_saying_what_to_change(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse(text)


# ---- what a service's deployment has of its own: services/<name>/deploy.toml ----------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "image = 'x'\n",
            "unknown image; it may have compose-env, demo-seed, optional-secrets, secrets, "
            "settings",
        ),
        ("demo-seed = 'yes'\n", "demo-seed must be true or false"),
        (
            "[settings]\nlog_level = 'x'\n",
            "[settings] log_level: write the setting's name in upper",
        ),
        ("[settings]\nREPLICAS = 3\n", "[settings] REPLICAS must be a quoted string"),
        ("[secrets]\nKEY = 'my-key'\n", "[secrets] KEY: the .env variable is upper case"),
        (
            "[compose-env]\nKEY_ID = 'KEY_ID'\n",
            "[compose-env] KEY_ID needs a default in [settings]",
        ),
        ("[settings]\nKEY = 'a'\n[secrets]\nKEY = 'K'\n", "KEY is a setting or a secret, not both"),
        ("settings = 'x'\n", "[settings] must be a table"),
    ],
)
def test_a_wrong_deploy_toml_is_refused_saying_what_to_change(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_deployment(text, "services/scheduling-api/deploy.toml")


@pytest.mark.parametrize("service", LISTED, ids=lambda s: s.name)
def test_each_service_deploy_toml_reads(service: Service) -> None:
    settings = deployment(service).settings
    assert not [key for key in settings if key.startswith(service.prefix)], (
        "write it without the prefix"
    )


def test_an_empty_deploy_toml_is_a_service_with_nothing_of_its_own() -> None:
    deploy = parse_deployment("", "services/scheduling-api/deploy.toml")
    assert (deploy.settings, deploy.secrets, deploy.demo_seed) == ({}, {}, False)


# ---- the consumers agree ----------------------------------------------------------------------


def test_make_install_and_lint_take_the_services_from_the_list() -> None:
    install, lint = make_dry_run("install"), make_dry_run("lint")
    for service in LISTED:
        assert f"-e services/{service.name}" in install
        assert f"services/{service.name}/src" in lint


def test_dev_requirements_and_tool_settings_name_no_service() -> None:
    """They would go stale beside the list: the Makefile adds the services to each."""
    requirements = (ROOT / "requirements-dev.txt").read_text()
    editable = re.findall(r"^-e (services/\S+)", requirements, re.M)
    assert editable, "the libraries are installed from requirements-dev.txt"
    assert not [path for path in editable if path.endswith("-api")]
    assert all((ROOT / path / "pyproject.toml").is_file() for path in editable)
    tools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
    assert not [name for name in NAMES if name in tools["mypy"]["mypy_path"]]
    assert "services/*/src" in tools["ruff"]["src"]  # first-party: every package there


@pytest.mark.parametrize("service", LISTED, ids=lambda s: s.name)
def test_each_listed_service_is_installed_here(service: Service) -> None:
    assert importlib.util.find_spec(service.package) is not None, "run `make install`"


def test_compose_runs_exactly_the_listed_services() -> None:
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())["services"]
    apis = {name for name in compose if name.endswith("-api")}
    assert apis == set(NAMES)
    databases = compose["postgres"]["environment"]["SERVICE_DATABASES"].split()
    assert databases == [service.database for service in LISTED]
    for service in LISTED:
        assert compose[service.name]["ports"] == [
            f"${{BIND_ADDRESS:-127.0.0.1}}:{8000 + service.port}:8000"
        ]
        assert f"{service.database}-migrate" in compose


def test_kubernetes_base_deploys_exactly_the_listed_services() -> None:
    base = DEPLOY / "kubernetes" / "base"
    resources = yaml.safe_load((base / "kustomization.yaml").read_text())["resources"]
    services_there = [r for r in resources if r.endswith("-api")]
    assert services_there == NAMES, "base/kustomization.yaml lists the services as services.toml"
    folders = {path.name for path in base.glob("*-api") if path.is_dir()}
    assert folders == set(NAMES)


def test_secrets_generator_knows_only_listed_services() -> None:
    from generate_secrets import SERVICE_KEYS, generate

    assert set(SERVICE_KEYS) <= set(NAMES)
    values = generate("2030-01")
    for service in LISTED:
        assert f"{service.database.upper()}_DB_PASSWORD" in values
        assert f"{service.prefix}FIELD_KEYS" in values


@pytest.mark.parametrize("service", LISTED, ids=lambda s: s.name)
def test_kubernetes_service_values_agree_with_the_list(service: Service) -> None:
    config = DEPLOY / "kubernetes" / "base" / service.name / "config.yaml"
    (values,) = [d for d in yaml.safe_load_all(config.read_text()) if d["kind"] == "ServiceValues"]
    data = values["data"]
    assert values["metadata"]["name"] == data["name"] == service.name
    assert data["prefix"] + "_" == service.prefix
    assert data["image"].rsplit(":", 1)[0].endswith(f"/{service.name}")
    assert data["database-url"].endswith(f":5432/{service.database}?ssl=require")
