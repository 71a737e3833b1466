"""The development identity provider: a local RSA key pair, its JWKS, and tokens on demand.

For laptops and tests only. Services trust it only when their JWKS setting points at its
`jwks.json` and their issuer allow-list names `urn:diversion:dev-idp`.

    python -m servicekit.devidp token --role officer --force demo
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from servicekit.auth import Scope

ISSUER = "urn:diversion:dev-idp"
AUDIENCE = "diversion"
DEFAULT_PROVIDER = "demo-provider"


def default_dir() -> Path:
    return Path(os.environ.get("DEVIDP_DIR", ".local/devidp"))


class DevIdentityProvider:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or default_dir()
        self.key_path = self.directory / "signing-key.pem"
        self.jwks_path = self.directory / "jwks.json"
        self._ensure_keys()
        private = serialization.load_pem_private_key(self.key_path.read_bytes(), None)
        if not isinstance(private, rsa.RSAPrivateKey):
            raise ValueError(f"{self.key_path} holds no RSA key: delete it and run again for one")
        self._private = private
        self.kid = json.loads(self.jwks_path.read_text())["keys"][0]["kid"]

    def _ensure_keys(self) -> None:
        if self.key_path.exists() and self.jwks_path.exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = self.key_path.with_suffix(".tmp")
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        jwk.update({"kid": uuid.uuid4().hex[:16], "use": "sig", "alg": "RS256"})
        self.jwks_path.write_text(json.dumps({"keys": [jwk]}, indent=2))
        tmp.replace(self.key_path)

    @property
    def jwks_url(self) -> str:
        return self.jwks_path.resolve().as_uri()

    def token(
        self,
        *,
        role: str,
        forces: list[str],
        subject: str | None = None,
        provider: str | None = None,
        scopes: list[str] | None = None,
        name: str | None = None,
        ttl_seconds: int = 8 * 3600,
        issuer: str = ISSUER,
        audience: str = AUDIENCE,
        client_id: str | None = None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "sub": subject or f"{forces[0] if forces else 'x'}-{role}-1",
            "iat": now,
            "exp": now + ttl_seconds,
            "role": role,
            "forces": forces,
        }
        if role in {"worker", "facilitator"}:
            claims["provider"] = provider or DEFAULT_PROVIDER
        elif provider:
            claims["provider"] = provider
        if scopes is None and role == "integration":
            # a development client is granted everything unless told otherwise
            scopes = [s.value for s in Scope]
        if scopes:
            claims["scope"] = " ".join(scopes)
        if name:
            claims["name"] = name
        if client_id:
            claims["client_id"] = client_id  # RFC 9068: the client a token was issued to
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    token = sub.add_parser("token", help="print a bearer token")
    token.add_argument("--role", required=True)
    token.add_argument("--force", action="append", default=None, help="repeat for several")
    token.add_argument("--sub", default=None)
    token.add_argument("--provider", default=None)
    token.add_argument("--scope", action="append", default=None)
    token.add_argument("--ttl", type=int, default=8 * 3600)
    sub.add_parser("jwks-url", help="print the file URL of the JWKS")
    args = parser.parse_args()
    idp = DevIdentityProvider()
    if args.command == "jwks-url":
        print(idp.jwks_url)
        return
    print(
        idp.token(
            role=args.role,
            forces=args.force or ["demo"],
            subject=args.sub,
            provider=args.provider,
            scopes=args.scope,
            ttl_seconds=args.ttl,
        )
    )


if __name__ == "__main__":
    main()
