"""Fresh keys and passwords for a deployment, in the shape each way of deploying reads.

    python deploy/generate_secrets.py env > deploy/compose/.env
    python deploy/generate_secrets.py kubernetes | kubectl apply -f -

`env` copies deploy/compose/.env.example with every generated value filled in; `kubernetes`
prints the Secrets that deploy/kubernetes/secrets.example.yaml describes. Run it from the
project's environment (`make install`): the keys come from servicekit.crypto.new_key and
contracts.sealed.generate_keypair, the same functions the services use to read them.

Run it once per deployment and keep the output in the force's secret store: a second run makes
different keys, and data encrypted under the first cannot be read with the second.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contracts.sealed import generate_keypair
from servicekit.crypto import new_key

HERE = Path(__file__).resolve().parent
ENV_EXAMPLE = HERE / "compose" / ".env.example"
sys.path.insert(0, str(HERE))
from servicelist import awaited_secrets, deployment, services  # noqa: E402 - not a package

# Keys only some services hold, besides every service's field keys and database password: the
# setting's name in that service's Secret, mapped to the generated value's .env name (from each
# service's deploy.toml, [secrets]). `generate` makes the values.
SERVICE_KEYS = {
    service.name: {
        service.prefix + key: name
        for key, name in (
            deployment(service).secrets | deployment(service).optional_secrets
        ).items()
    }
    for service in services()
    if deployment(service).secrets or deployment(service).optional_secrets
}
# Secrets a service runs without, left empty (the feature off) for the operator to fill in.
OPTIONAL = {
    name for service in services() for name in deployment(service).optional_secrets.values()
}


def password() -> str:
    """URL-safe, so it goes into a database URL as it is."""
    return secrets.token_urlsafe(32)


def generate(key_id: str) -> dict[str, str]:
    """Every secret value a deployment needs, by its .env name."""
    values = {"POSTGRES_PASSWORD": password()}
    for service in services():  # a database and a field-key ring each
        values[f"{service.database.upper()}_DB_PASSWORD"] = password()
        values[f"{service.prefix}FIELD_KEYS"] = json.dumps({key_id: new_key()})
        values[f"{service.prefix}FIELD_KEY_CURRENT"] = key_id
    assessment_private, assessment_public = generate_keypair()
    scheduling_private, scheduling_public = generate_keypair()
    return (
        values
        | {
            "REFERRAL_IDENTITY_KEY": new_key(),
            "ASSESSMENT_PRIVATE_KEY": assessment_private,
            "ASSESSMENT_PUBLIC_KEY": assessment_public,
            "SCHEDULING_PRIVATE_KEY": scheduling_private,
            "SCHEDULING_PUBLIC_KEY": scheduling_public,
        }
        | dict.fromkeys(OPTIONAL, "")
    )


def env_file(values: dict[str, str], example: str) -> str:
    """The .env example with each generated variable's value replaced (single-quoted)."""
    seen: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        seen.add(name)
        return f"{name}='{values[name]}'"

    text = re.sub(r"(?m)^([A-Z][A-Z0-9_]*)=.*$", fill, example)
    missing = set(values) - seen
    if missing:
        raise SystemExit(f".env.example has no line for {', '.join(sorted(missing))}")
    return text


def kubernetes_secrets(values: dict[str, str], namespace: str) -> list[dict[str, Any]]:
    """The Secrets the Kubernetes manifests reference, as in secrets.example.yaml."""

    def secret(name: str, data: dict[str, str], **extra: Any) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace, **extra.pop("metadata", {})},
            **extra,
            "stringData": data,
        }

    def database(service: str, db: str) -> dict[str, Any]:
        # basic-auth, so CloudNativePG sets the role's password from it; the label makes it
        # follow changes.
        return secret(
            f"{service}-db",
            {"username": db, "password": values[f"{db.upper()}_DB_PASSWORD"]},
            type="kubernetes.io/basic-auth",
            metadata={"labels": {"cnpg.io/reload": "true"}},
        )

    made = []
    for service in services():
        keys = [f"{service.prefix}FIELD_KEYS", f"{service.prefix}FIELD_KEY_CURRENT"]
        data = {key: values[key] for key in keys}
        data |= {key: values[name] for key, name in SERVICE_KEYS.get(service.name, {}).items()}
        made.append(secret(f"{service.name}-keys", data, type="Opaque"))
        made.append(database(service.name, service.database))
    for name, keys in awaited_secrets().items():  # a service not deployed yet: its keys alone
        data = {key: values[variable] for key, variable in keys.items()}
        made.append(secret(f"{name}-keys", data, type="Opaque"))
    return made


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("target", choices=["env", "kubernetes"])
    parser.add_argument(
        "--key-id",
        default=datetime.now(UTC).strftime("%Y-%m"),
        help="id of the first field-encryption key in each ring (default: this month)",
    )
    parser.add_argument("--namespace", default="diversion")
    args = parser.parse_args(argv)
    values = generate(args.key_id)
    if args.target == "env":
        sys.stdout.write(env_file(values, ENV_EXAMPLE.read_text()))
        return
    import yaml

    sys.stdout.write(
        yaml.safe_dump_all(kubernetes_secrets(values, args.namespace), sort_keys=False)
    )


if __name__ == "__main__":
    main()
