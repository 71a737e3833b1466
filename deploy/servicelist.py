"""The services, as services.toml at the repository root lists them.

Standard library only, so the Makefile can ask it before the environment exists:

    python3 deploy/servicelist.py names       # referral-api assessment-api ...
    python3 deploy/servicelist.py sources     # services/referral-api/src:... (for mypy)

What a service's deployment needs beside the list's entry and what every service gets is in
its own folder, services/<name>/deploy.toml (optional; `deployment` reads it).
"""

from __future__ import annotations

import dataclasses
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / "services.toml"
FIELDS = {"name": str, "package": str, "port": int, "prefix": str, "seed": str}


@dataclass(frozen=True)
class Service:
    name: str  # folder under services/; image, compose and Kubernetes name
    package: str  # import package
    port: int  # offset from the port base
    prefix: str  # settings' environment prefix, e.g. REFERRAL_
    seed: str  # module adding demonstration data

    @property
    def directory(self) -> Path:
        return ROOT / "services" / self.name

    @property
    def factory(self) -> str:
        return f"{self.package}.main:app"

    @property
    def database(self) -> str:
        """Its database's (and database role's) name: the prefix, lower case, without the _."""
        return self.prefix.removesuffix("_").lower()


def parse(text: str, source: str = "services.toml") -> list[Service]:
    """The services in `text`, or ValueError saying which entry is wrong and how."""
    entries = tomllib.loads(text).get("service", [])
    if not entries:
        raise ValueError(f"{source}: no [[service]] entries")
    services = []
    for number, entry in enumerate(entries, start=1):
        where = f"{source}: service {number} ({entry.get('name', 'no name')})"
        missing = set(FIELDS) - set(entry)
        unknown = set(entry) - set(FIELDS)
        if missing or unknown:
            raise ValueError(
                f"{where}: needs exactly {', '.join(FIELDS)}"
                + (f"; missing {', '.join(sorted(missing))}" if missing else "")
                + (f"; unknown {', '.join(sorted(unknown))}" if unknown else "")
            )
        for field, kind in FIELDS.items():
            if type(entry[field]) is not kind:
                wanted = "a whole number" if kind is int else "a quoted string"
                raise ValueError(f"{where}: {field} must be {wanted}")
        service = Service(**entry)
        if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*-api", service.name):
            raise ValueError(f"{where}: name must be lower-case words joined by -, ending -api")
        if service.package != service.name.replace("-", "_"):
            # the image's entry point finds the package so (deploy/docker/entrypoint.sh)
            raise ValueError(f"{where}: package must be {service.name.replace('-', '_')}")
        if not re.fullmatch(r"[A-Z][A-Z0-9]*_", service.prefix):
            raise ValueError(f"{where}: prefix must be upper-case letters and digits then _")
        if not 1 <= service.port <= 99:
            raise ValueError(f"{where}: port is an offset from the port base, 1 to 99")
        if not service.seed.startswith(f"{service.package}."):
            raise ValueError(f"{where}: seed must be a module of {service.package}")
        services.append(service)
    for field in ("name", "port", "prefix"):
        values = [getattr(service, field) for service in services]
        twice = sorted({str(v) for v in values if values.count(v) > 1})
        if twice:
            raise ValueError(f"{source}: two services share the {field} {', '.join(twice)}")
    return services


@dataclass(frozen=True)
class Deployment:
    """services/<name>/deploy.toml: what a service's deployment has that others' do not."""

    settings: dict[str, str]  # settings that are not secret, without the prefix
    compose_env: dict[str, str]  # of those, the ones compose's .env may set: setting -> variable
    secrets: dict[str, str]  # secrets of its own: setting (no prefix) -> .env variable
    demo_seed: bool  # compose has a <database>-seed one-shot under the demo profile
    # secrets it runs without (empty: the feature is off): setting (no prefix) -> .env variable
    optional_secrets: dict[str, str] = dataclasses.field(default_factory=dict)


DEPLOY_FIELDS = {"demo-seed", "settings", "compose-env", "secrets", "optional-secrets"}
SETTING = re.compile(r"[A-Z][A-Z0-9_]*")


def parse_deployment(text: str, source: str) -> Deployment:
    """The deploy.toml in `text`, or ValueError saying which key is wrong and how."""
    data = tomllib.loads(text)
    unknown = set(data) - DEPLOY_FIELDS
    if unknown:
        raise ValueError(
            f"{source}: unknown {', '.join(sorted(unknown))}; "
            f"it may have {', '.join(sorted(DEPLOY_FIELDS))}"
        )
    tables: dict[str, dict[str, str]] = {}
    for table in ("settings", "compose-env", "secrets", "optional-secrets"):
        entries = data.get(table, {})
        if not isinstance(entries, dict):
            raise ValueError(f'{source}: [{table}] must be a table of NAME = "value" lines')
        for key, value in entries.items():
            if not SETTING.fullmatch(key):
                raise ValueError(
                    f"{source}: [{table}] {key}: write the setting's name in upper case without "
                    "the service's prefix, e.g. KEY_ID"
                )
            if type(value) is not str:
                raise ValueError(f"{source}: [{table}] {key} must be a quoted string")
            if table != "settings" and not SETTING.fullmatch(value):
                raise ValueError(f"{source}: [{table}] {key}: the .env variable is upper case")
        tables[table] = dict(entries)
    stray = set(tables["compose-env"]) - set(tables["settings"])
    if stray:
        raise ValueError(
            f"{source}: [compose-env] {', '.join(sorted(stray))} needs a default in [settings]"
        )
    both = set(tables["settings"]) & (set(tables["secrets"]) | set(tables["optional-secrets"]))
    both |= set(tables["secrets"]) & set(tables["optional-secrets"])
    if both:
        raise ValueError(f"{source}: {', '.join(sorted(both))} is a setting or a secret, not both")
    seed = data.get("demo-seed", False)
    if type(seed) is not bool:
        raise ValueError(f"{source}: demo-seed must be true or false")
    return Deployment(
        tables["settings"],
        tables["compose-env"],
        tables["secrets"],
        seed,
        tables["optional-secrets"],
    )


def deployment(service: Service) -> Deployment:
    """Its services/<name>/deploy.toml, or nothing beyond what every service gets."""
    path = service.directory / "deploy.toml"
    text = path.read_text() if path.is_file() else ""
    return parse_deployment(text, f"services/{service.name}/deploy.toml")


def services(path: Path = LIST) -> list[Service]:
    return parse(path.read_text(), path.name)


# Secrets of a service the list does not name yet, made now because a listed service already
# uses their other half: assessment-api seals the reminder contact to scheduling-api's public key,
# so scheduling-api's private half is made with it. By service: the setting (with its prefix) ->
# the .env variable. Its Secret <name>-keys holds them until the service is listed; its
# deploy.toml [secrets] then names them with the rest.
AWAITED_SECRETS = {"scheduling-api": {"SCHEDULING_PRIVATE_KEY": "SCHEDULING_PRIVATE_KEY"}}


def awaited_secrets(path: Path = LIST) -> dict[str, dict[str, str]]:
    """AWAITED_SECRETS of the services `path` does not list yet."""
    listed = {service.name for service in services(path)}
    return {name: keys for name, keys in AWAITED_SECRETS.items() if name not in listed}


def main(argv: list[str]) -> None:
    listed = services()
    answers = {
        "names": " ".join(s.name for s in listed),
        "sources": ":".join(f"services/{s.name}/src" for s in listed),
    }
    if len(argv) != 1 or argv[0] not in answers:
        raise SystemExit(f"usage: servicelist.py {{{'|'.join(answers)}}}")
    print(answers[argv[0]])


if __name__ == "__main__":
    main(sys.argv[1:])
