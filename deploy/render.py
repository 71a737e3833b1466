"""Write every service's part of the deploy files from services.toml: `make deploy-files`.

    python deploy/render.py            # write what changed (and drop a removed service's folder)
    python deploy/render.py --check    # only say what is out of date; exit 1 if anything is

Each service's files are written whole (they start with HEADER): its folder under
kubernetes/base/, the Secrets' example, the PostgreSQL Databases and each overlay's
identity-provider patch. Files people also edit by hand keep their hand-written parts and get
the services' lines between two marker comments, `# <region>: generated ...` and
`# <region>: end of generated`: the Compose file and its .env example, the PostgreSQL cluster,
the base's and each overlay's kustomization.

What differs between services beyond their services.toml entry is in services/<name>/deploy.toml
(servicelist.Deployment); what differs between environments, in each overlay's release.toml.
The output is committed: deploying needs no Python. tests/deploy/test_rendered.py fails when a
committed file differs from what this writes now.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from servicelist import Deployment, Service, awaited_secrets, deployment, services  # noqa: E402

K8S = HERE / "kubernetes"
BASE = K8S / "base"
OVERLAYS = K8S / "overlays"
COMPOSE = HERE / "compose"
COMMAND = "make deploy-files"
HEADER = f"# Generated from services.toml by `{COMMAND}` (deploy/render.py); do not edit."
PLACEHOLDER_KEY = '{"2026-01": "REPLACE_WITH_NEW_KEY"}'
FIRST_KEY_ID = "2026-01"


def scalar(value: str) -> str:
    """`value` as one YAML string: plain where YAML reads it as a string, else quoted ("3",
    "true", "2026-01": also where a reader might take it for a number or a date)."""
    dumped = str(yaml.safe_dump(value, width=1_000_000)).removesuffix("\n...\n").strip()
    looks_like_a_number = re.fullmatch(r"[0-9.:+-]+", value) is not None
    if looks_like_a_number or (dumped.startswith("'") and '"' not in value and "\\" not in value):
        return json.dumps(value)  # a JSON string is a YAML double-quoted one
    return dumped


def mapping(items: dict[str, str]) -> list[str]:
    return [f"{key}: {scalar(value)}" for key, value in items.items()]


def indent(lines: Iterable[str], by: int) -> list[str]:
    return [" " * by + line if line else "" for line in lines]


def text(lines: Iterable[str]) -> str:
    return "\n".join(lines) + "\n"


# ---- Kubernetes --------------------------------------------------------------------------------


def base_kustomization(service: Service) -> str:
    return text(
        [
            HEADER,
            f"# {service.name}: the objects every service has (../service), filled in from the",
            "# ServiceValues in config.yaml, and its settings.",
            "apiVersion: kustomize.config.k8s.io/v1beta1",
            "kind: Kustomization",
            "resources:",
            "  - config.yaml",
            "components:",
            "  - ../service",
        ]
    )


def settings_map(service: Service, deploy: Deployment) -> dict[str, str]:
    """Its ConfigMap: what every service has, its own settings before the last three."""
    common = {
        "NATS_URL": "nats://nats:4222",
        "JWKS_URL": "https://idp.invalid/.well-known/jwks.json",
        "TRUSTED_ISSUERS": "{}",
        "JWT_AUDIENCE": "diversion",
    }
    last = {"STREAM_REPLICAS": "3", "LOG_LEVEL": "INFO", "JSON_LOGS": "true"}
    return {service.prefix + key: value for key, value in (common | deploy.settings | last).items()}


def base_config(service: Service, deploy: Deployment) -> str:
    prefix = service.prefix.removesuffix("_")
    url = (
        "postgresql+asyncpg://$(DB_USER):$(DB_PASSWORD)@diversion-pg-rw:5432/"
        f"{service.database}?ssl=require"
    )
    return text(
        [
            HEADER,
            f"# What ../service fills in for {service.name}: read while building, never applied"
            " (local-config).",
            "apiVersion: diversion/v1",
            "kind: ServiceValues",
            "metadata:",
            f"  name: {service.name}",
            "  annotations:",
            '    config.kubernetes.io/local-config: "true"',
            "data:",
            f"  name: {service.name}",
            f"  prefix: {prefix}",
            f"  image: registry.example.org/diversion/{service.name}:1.0.0",
            f"  database-url: {url}",
            "---",
            f"# {service.name}'s settings that are not secret (its own: services/{service.name}/"
            "deploy.toml).",
            f"# Its secrets come from the Secret {service.name}-keys, its database password from",
            f"# {service.name}-db: see ../../secrets.example.yaml. The overlay sets the real"
            " identity provider.",
            "apiVersion: v1",
            "kind: ConfigMap",
            "metadata:",
            f"  name: {service.name}-config",
            "  labels:",
            f"    app.kubernetes.io/name: {service.name}",
            "    app.kubernetes.io/part-of: diversion",
            "data:",
            *indent(mapping(settings_map(service, deploy)), 2),
        ]
    )


def secrets_example(listed: list[tuple[Service, Deployment]]) -> str:
    lines = [
        HEADER,
        "# The Secrets the manifests reference, with placeholders. Never commit real values, and"
        " do not",
        "# add this file to a kustomization. Create them once per environment, before the"
        " migrations:",
        "#",
        "#   python deploy/generate_secrets.py kubernetes | kubectl apply -f -",
        "#",
        "# (fresh keys and passwords in exactly this shape; keep a copy in the force's secret"
        " store), or",
        "# by hand, or from a secret manager with the External Secrets Operator (an"
        " ExternalSecret per",
        "# Secret below, same names and keys; deploy/README.md).",
        "#",
        "# <PREFIX>FIELD_KEYS is the ring {key id: key}; FIELD_KEY_CURRENT the id that encrypts"
        " (rotation:",
        "# deploy/README.md). A service's keys of its own (services/<name>/deploy.toml,"
        " [secrets]) say",
        "# REPLACE_WITH_ and the .env variable that holds them: deploy/compose/.env.example says"
        " what each",
        "# is and how to make it.",
        "#",
        '# Keys: python -c "from servicekit.crypto import new_key; print(new_key())"',
        '# Key pair: python -c "from contracts.sealed import generate_keypair;'
        " print(*generate_keypair(), sep='\\n')\"",
        '# Passwords (URL-safe: they go into database URLs): python -c "import secrets;'
        ' print(secrets.token_urlsafe(32))"',
    ]
    for number, (service, deploy) in enumerate(listed):
        keys = (
            {
                f"{service.prefix}FIELD_KEYS": PLACEHOLDER_KEY,
                f"{service.prefix}FIELD_KEY_CURRENT": FIRST_KEY_ID,
            }
            | {
                service.prefix + setting: f"REPLACE_WITH_{variable}"
                for setting, variable in deploy.secrets.items()
            }
            | {
                # optional: empty leaves the feature off (services/<name>/README.md)
                service.prefix + setting: ""
                for setting in deploy.optional_secrets
            }
        )
        lines += [
            *(["---"] if number else []),
            f"# {service.name}'s keys.",
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            f"  name: {service.name}-keys",
            "  namespace: diversion",
            "type: Opaque",
            "stringData:",
            *indent(mapping(keys), 2),
            "---",
            f"# {service.name}'s database role. CloudNativePG sets the role's password from it"
            " (basic-auth",
            "# type, reload label); the services build their database URL from it.",
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            f"  name: {service.name}-db",
            "  namespace: diversion",
            "  labels:",
            '    cnpg.io/reload: "true"',
            "type: kubernetes.io/basic-auth",
            "stringData:",
            f"  username: {service.database}",
            "  password: REPLACE_WITH_NEW_PASSWORD",
        ]
    for name, keys in awaited_secrets().items():
        lines += [
            "---",
            f"# {name}'s keys, made before it is deployed: a listed service uses their other half",
            "# (servicelist.AWAITED_SECRETS). Its field keys join them when it is deployed.",
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            f"  name: {name}-keys",
            "  namespace: diversion",
            "type: Opaque",
            "stringData:",
            *indent(
                mapping({key: f"REPLACE_WITH_{variable}" for key, variable in keys.items()}), 2
            ),
        ]
    return text(lines)


def postgres_databases(listed: list[Service]) -> str:
    lines = [
        HEADER,
        "# One database per service, owned by the service's role (roles: cluster.yaml,"
        " managed.roles).",
        "# Deleting a Database resource leaves the database in place (databaseReclaimPolicy:"
        " retain).",
    ]
    for number, service in enumerate(listed):
        lines += [
            *(["---"] if number else []),
            "apiVersion: postgresql.cnpg.io/v1",
            "kind: Database",
            "metadata:",
            f"  name: diversion-pg-{service.database}",
            "  labels:",
            f"    app.kubernetes.io/name: {service.name}",
            "    app.kubernetes.io/part-of: diversion",
            "spec:",
            "  cluster:",
            "    name: diversion-pg",
            f"  name: {service.database}",
            f"  owner: {service.database}",
            "  ensure: present",
            "  databaseReclaimPolicy: retain",
        ]
    return text(lines)


def postgres_cluster_regions(listed: list[Service]) -> dict[str, list[str]]:
    first = listed[0]
    return {
        "bootstrap": [
            f"database: {first.database}",
            f"owner: {first.database}",
            "secret:",
            f"  name: {first.name}-db",
        ],
        "roles": [
            line
            for service in listed
            for line in [
                f"- name: {service.database}",
                "  ensure: present",
                "  login: true",
                "  passwordSecret:",
                f"    name: {service.name}-db",
            ]
        ],
        "pg_hba": [
            f"- hostssl {service.database} {service.database} all scram-sha-256"
            for service in listed
        ],
    }


def release(overlay: Path) -> dict[str, object]:
    """An overlay's release.toml: its registry, tags and identity provider."""
    where = overlay.relative_to(HERE.parent) / "release.toml"
    data = tomllib.loads((overlay / "release.toml").read_text())
    needed = {"registry", "tag", "jwks-url", "trusted-issuers"}
    if set(data) - {"tags"} != needed or not all(type(data[k]) is str for k in needed):
        raise ValueError(f"{where}: needs exactly {', '.join(sorted(needed))} (strings), [tags]")
    return data


def overlay_images(overlay: Path, listed: list[Service]) -> list[str]:
    data = release(overlay)
    tags = data.get("tags", {})
    assert isinstance(tags, dict)
    unknown = set(tags) - {service.name for service in listed}
    if unknown:
        where = overlay.relative_to(HERE.parent) / "release.toml"
        raise ValueError(f"{where}: [tags] names {', '.join(sorted(unknown))}, not in the list")
    return [
        line
        for service in listed
        for line in [
            f"- name: registry.example.org/diversion/{service.name}",
            f"  newName: {data['registry']}/{service.name}",
            f"  newTag: {scalar(str(tags.get(service.name, data['tag'])))}",
        ]
    ]


def identity_provider(overlay: Path, listed: list[Service]) -> str:
    data = release(overlay)
    lines = [
        HEADER,
        "# Who may call each service: the environment's identity provider (release.toml).",
    ]
    for number, service in enumerate(listed):
        lines += [
            *(["---"] if number else []),
            "apiVersion: v1",
            "kind: ConfigMap",
            "metadata:",
            f"  name: {service.name}-config",
            "data:",
            f"  {service.prefix}JWKS_URL: {scalar(str(data['jwks-url']))}",
            f"  {service.prefix}TRUSTED_ISSUERS: {scalar(str(data['trusted-issuers']))}",
        ]
    return text(lines)


# ---- Compose -----------------------------------------------------------------------------------


def env(name: str) -> str:
    """A compose variable that .env must set."""
    return f"${{{name}:?set {name} in .env}}"


def compose_database_lines(listed: list[Service]) -> list[str]:
    return [
        f"SERVICE_DATABASES: {' '.join(service.database for service in listed)}",
        *(
            f"{s.database.upper()}_DB_PASSWORD: {env(s.database.upper() + '_DB_PASSWORD')}"
            for s in listed
        ),
    ]


def compose_services(listed: list[tuple[Service, Deployment]]) -> list[str]:
    lines: list[str] = []
    for service, deploy in listed:
        p, db = service.prefix, service.database
        image = f"${{IMAGE_REGISTRY:-diversion}}/{service.name}:${{IMAGE_TAG:-1.0.0}}"
        build = f"{{<<: *image-build, args: {{SERVICE: {service.name}}}}}"
        url = (
            f"{p}DATABASE_URL: postgresql+asyncpg://{db}:{env(db.upper() + '_DB_PASSWORD')}"
            f"@postgres:5432/{db}"
        )
        environment = {
            f"{p}NATS_URL": "nats://nats:4222",
            f"{p}JWKS_URL": env("JWKS_URL"),
            f"{p}JWT_AUDIENCE": "${JWT_AUDIENCE:-diversion}",
            f"{p}TRUSTED_ISSUERS": env("TRUSTED_ISSUERS"),
            f"{p}FIELD_KEYS": env(f"{p}FIELD_KEYS"),
            f"{p}FIELD_KEY_CURRENT": env(f"{p}FIELD_KEY_CURRENT"),
        }
        environment |= {p + key: env(variable) for key, variable in deploy.secrets.items()}
        environment |= {
            p + key: f"${{{variable}:-}}" for key, variable in deploy.optional_secrets.items()
        }
        environment |= {
            p + key: (
                f"${{{deploy.compose_env[key]}:-{value}}}"
                if key in deploy.compose_env
                else value.replace("$", "$$")  # as written: Compose reads $ as a variable
            )
            for key, value in deploy.settings.items()
        }
        environment |= {
            f"{p}LOG_LEVEL": "${LOG_LEVEL:-INFO}",
            "FORWARDED_ALLOW_IPS": "${FORWARDED_ALLOW_IPS:-127.0.0.1}",
        }
        seed = [
            "",
            f"{db}-seed:",
            "  <<: *hardening",
            "  profiles: [demo]",
            f"  image: {image}",
            '  command: ["seed"]',
            "  environment:",
            f"    {url}",
            "  depends_on:",
            f"    {db}-migrate: {{condition: service_completed_successfully}}",
            '  restart: "no"',
        ]
        lines += [
            *([""] if lines else []),
            f"# ---- {service.name} ".ljust(91, "-"),
            f"{db}-migrate:",
            "  <<: *hardening",
            f"  image: {image}",
            f"  build: {build}",
            '  command: ["migrate"]',
            "  environment:",
            f"    {url}",
            "  depends_on:",
            "    postgres: {condition: service_healthy}",
            '  restart: "no"',
            *(seed if deploy.demo_seed else []),
            "",
            f"{service.name}:",
            "  <<: *hardening",
            f"  image: {image}",
            f"  build: {build}",
            "  environment:",
            f"    {url}",
            *indent(mapping(environment), 4),
            '  volumes: ["./trust:/etc/diversion/trust:ro"]',
            f'  ports: ["${{BIND_ADDRESS:-127.0.0.1}}:{8000 + service.port}:8000"]',
            "  depends_on:",
            f"    {db}-migrate: {{condition: service_completed_successfully}}",
            "    # NATS may come and go: events wait in the outbox, so it is no hard dependency.",
            "    nats: {condition: service_started}",
            "  restart: unless-stopped",
        ]
    return lines


def env_example_regions(listed: list[Service]) -> dict[str, list[str]]:
    return {
        "passwords": [f"{s.database.upper()}_DB_PASSWORD=change-me" for s in listed],
        "field-keys": [
            line
            for s in listed
            for line in [
                f'{s.prefix}FIELD_KEYS=\'{{"{FIRST_KEY_ID}": "change-me"}}\'',
                f"{s.prefix}FIELD_KEY_CURRENT={FIRST_KEY_ID}",
            ]
        ],
    }


# ---- regions in hand-written files -------------------------------------------------------------


def fill(path: Path, current: str, regions: dict[str, list[str]]) -> str:
    """`current` with each region's lines replaced, at its begin marker's indentation."""
    for name, lines in regions.items():
        begin = rf"^([ \t]*)# {re.escape(name)}: generated from services\.toml[^\n]*\n"
        end = rf"^\1# {re.escape(name)}: end of generated\n"
        pattern = re.compile(begin + r"(?:.*\n)*?" + end, re.M)
        match = pattern.search(current)
        if match is None:
            raise ValueError(
                f"{path.relative_to(HERE.parent)}: no region {name}: put back its two marker lines"
                f" ('# {name}: generated from services.toml ...' and '# {name}: end of"
                " generated'), e.g. from git"
            )
        margin = match.group(1)
        marker = f"# {name}: generated from services.toml by `{COMMAND}`; do not edit"
        block = [marker, *lines, f"# {name}: end of generated"]
        replacement = "".join(f"{margin}{line}\n" if line else "\n" for line in block)
        current = current[: match.start()] + replacement + current[match.end() :]
    return current


# ---- all of it ---------------------------------------------------------------------------------


def render() -> dict[Path, str]:
    """Every generated file's content as this would write it now, by path."""
    listed = services()
    deployed = [(service, deployment(service)) for service in listed]
    files: dict[Path, str] = {}

    def region_file(path: Path, regions: dict[str, list[str]]) -> None:
        files[path] = fill(path, path.read_text(), regions)

    for service, deploy in deployed:
        files[BASE / service.name / "kustomization.yaml"] = base_kustomization(service)
        files[BASE / service.name / "config.yaml"] = base_config(service, deploy)
    region_file(BASE / "kustomization.yaml", {"services": [f"- {s.name}" for s in listed]})
    files[K8S / "secrets.example.yaml"] = secrets_example(deployed)
    files[K8S / "postgres" / "databases.yaml"] = postgres_databases(listed)
    region_file(K8S / "postgres" / "cluster.yaml", postgres_cluster_regions(listed))
    for overlay in sorted(path.parent for path in OVERLAYS.glob("*/release.toml")):
        region_file(overlay / "kustomization.yaml", {"images": overlay_images(overlay, listed)})
        files[overlay / "patches" / "identity-provider.yaml"] = identity_provider(overlay, listed)
    region_file(
        COMPOSE / "compose.yaml",
        {"databases": compose_database_lines(listed), "services": compose_services(deployed)},
    )
    region_file(COMPOSE / ".env.example", env_example_regions(listed))
    return files


def stale_folders() -> list[Path]:
    """Generated service folders under base/ whose service the list no longer names."""
    names = {service.name for service in services()}
    return [
        folder
        for folder in sorted(BASE.glob("*-api"))
        if folder.name not in names
        and (folder / "kustomization.yaml").is_file()
        and (folder / "kustomization.yaml").read_text().startswith(HEADER)
    ]


def out_of_date() -> list[str]:
    """What differs from what `render` would write now, relative to the repository root."""
    root = HERE.parent
    changed = [
        str(path.relative_to(root))
        for path, content in render().items()
        if not path.is_file() or path.read_text() != content
    ]
    return changed + [
        f"{folder.relative_to(root)}/ (not in services.toml)" for folder in stale_folders()
    ]


def main(argv: list[str] | None = None, say: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = out_of_date()
            for name in stale:
                say(f"out of date: {name}")
            if stale:
                say(f"run `{COMMAND}` and commit what it writes")
            return 1 if stale else 0
        for path, content in render().items():
            if not path.is_file() or path.read_text() != content:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content)
                say(f"wrote {path.relative_to(HERE.parent)}")
        for folder in stale_folders():
            shutil.rmtree(folder)
            say(f"removed {folder.relative_to(HERE.parent)}/ (not in services.toml)")
    except ValueError as error:
        say(str(error))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
