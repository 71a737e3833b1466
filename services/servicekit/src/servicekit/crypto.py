"""Encryption of personal fields at rest, and keyed hashes for matching without names.

Fields are sealed with AES-256-GCM under a key ring: the current key encrypts, every key in the
ring decrypts, so keys rotate by adding a new current key and re-encrypting at leisure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import JSON, Text, TypeDecorator
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

_PREFIX = "enc1"


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_key() -> str:
    """A fresh 256-bit key, base64url, for configuration."""
    return b64e(os.urandom(32))


class FieldCipher:
    def __init__(self, keys: dict[str, str], current: str) -> None:
        if current not in keys:
            raise ValueError(f"current field key {current!r} is not in the key ring")
        self._keys = {kid: AESGCM(b64d(key)) for kid, key in keys.items()}
        for kid, key in keys.items():
            if len(b64d(key)) != 32:
                raise ValueError(f"field key {kid!r} must be 32 bytes")
        self.current = current

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self.current].encrypt(nonce, plaintext.encode(), self.current.encode())
        return f"{_PREFIX}.{self.current}.{b64e(nonce + sealed)}"

    def decrypt(self, token: str) -> str:
        prefix, kid, body = token.split(".", 2)
        if prefix != _PREFIX or kid not in self._keys:
            raise ValueError("field was encrypted with a key that is not in the key ring")
        raw = b64d(body)
        try:
            return self._keys[kid].decrypt(raw[:12], raw[12:], kid.encode()).decode()
        except InvalidTag as exc:
            raise ValueError("encrypted field failed its integrity check") from exc

    def needs_rotation(self, token: str) -> bool:
        return token.split(".", 2)[1] != self.current


# Each database's engine has a dialect of its own, and every column type is handed the dialect of
# the engine running the statement: so the cipher is bound to the engine through its dialect, and
# two applications in one process (or a tool beside a service) each use their own keys.
_ciphers: WeakKeyDictionary[Dialect, FieldCipher] = WeakKeyDictionary()


def bind_field_cipher(engine: Engine | AsyncEngine, cipher: FieldCipher) -> None:
    """Make `Encrypted` columns read and written through `engine` use `cipher`."""
    _ciphers[engine.dialect] = cipher


def field_cipher(dialect: Dialect) -> FieldCipher:
    """The cipher bound to the engine of `dialect`."""
    try:
        return _ciphers[dialect]
    except KeyError:
        raise RuntimeError(
            "field encryption is not configured for this database: "
            "create it with Database(url, cipher=FieldCipher(keys, current))"
        ) from None


class Encrypted(TypeDecorator[str]):
    """A text column encrypted at rest; the application sees plaintext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else field_cipher(dialect).encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else field_cipher(dialect).decrypt(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document encrypted at rest in a text column (assessment answers and scores, say);
    the application sees the document."""

    impl: Any = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return field_cipher(dialect).encrypt(
            json.dumps(value, separators=(",", ":"), sort_keys=True)
        )

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(field_cipher(dialect).decrypt(value))


class EncryptedDocument(EncryptedJSON):
    """A JSON document encrypted at rest, kept in a JSON column as one string of ciphertext.

    The column stays JSON, so a column that held plain documents needs no migration: a value
    written before it was encrypted (a plain document, not a ciphertext string) reads as it is.
    """

    impl = JSON
    cache_ok = True  # SQLAlchemy reads it from each class itself, not from the parent

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str) and value.startswith(f"{_PREFIX}."):
            return super().process_result_value(value, dialect)
        return value


def keyed_hash(key: str, *parts: str) -> str:
    """HMAC-SHA256 over the parts: stable for matching, useless without the key."""
    message = "\x1f".join(parts).encode()
    return hmac.new(b64d(key), message, hashlib.sha256).hexdigest()
