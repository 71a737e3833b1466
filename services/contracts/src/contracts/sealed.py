"""Sealed fields: data encrypted to one service's public key so the bus only carries ciphertext.

X25519 key agreement with an ephemeral key, HKDF-SHA256 to a 256-bit key, AES-256-GCM. The
recipient's key id and the algorithm travel with the ciphertext so keys can be rotated.
"""

from __future__ import annotations

import base64
import functools
import os
from typing import Final, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict, Field

# Final, so mypy reads it as the literal that `SealedField.alg` is typed with.
ALGORITHM: Final = "X25519-HKDF-SHA256-A256GCM"
_INFO = b"diversion sealed field v1"


class SealedField(BaseModel):
    """Ciphertext only the holder of the recipient's private key can open."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    alg: Literal["X25519-HKDF-SHA256-A256GCM"] = ALGORITHM
    kid: str = Field(description="Id of the recipient key the field was sealed to.")
    epk: str = Field(description="Ephemeral X25519 public key, base64url.")
    nonce: str = Field(description="AES-GCM nonce, base64url.")
    ciphertext: str = Field(description="AES-GCM ciphertext with tag, base64url.")


class SealedFieldError(ValueError):
    """The field cannot be opened with the key given (wrong key, or tampered with)."""


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_keypair() -> tuple[str, str]:
    """A new recipient key pair as (private, public), each base64url of the raw 32 bytes."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return _b64e(raw_private), _b64e(public)


def public_key_of(private_key: str) -> str:
    """The base64url public key that belongs to a base64url private key."""
    private = X25519PrivateKey.from_private_bytes(_b64d(private_key))
    return _b64e(
        private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    )


def _derive(shared: bytes, epk: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=epk + recipient, info=_INFO).derive(
        shared
    )


@functools.lru_cache(maxsize=16)
def _recipient(public_key: str) -> tuple[bytes, X25519PublicKey]:
    # a service seals to the same few keys all day: parse each once
    raw = _b64d(public_key)
    return raw, X25519PublicKey.from_public_bytes(raw)


def seal(plaintext: bytes, *, public_key: str, kid: str) -> SealedField:
    """Encrypt `plaintext` so only the holder of `public_key`'s private half can read it."""
    recipient_raw, recipient = _recipient(public_key)
    ephemeral = X25519PrivateKey.generate()
    epk = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    key = _derive(ephemeral.exchange(recipient), epk, recipient_raw)
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, kid.encode())
    return SealedField(kid=kid, epk=_b64e(epk), nonce=_b64e(nonce), ciphertext=_b64e(ciphertext))


def open_sealed(sealed: SealedField, *, private_key: str) -> bytes:
    """Decrypt a sealed field with the recipient's private key.

    Raises SealedFieldError for the wrong key or any tampering, including with `epk` or `nonce`,
    which the cryptography package would otherwise report as a bare ValueError.
    """
    private = X25519PrivateKey.from_private_bytes(_b64d(private_key))
    recipient_raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    try:
        epk = _b64d(sealed.epk)
        key = _derive(private.exchange(X25519PublicKey.from_public_bytes(epk)), epk, recipient_raw)
        return AESGCM(key).decrypt(
            _b64d(sealed.nonce), _b64d(sealed.ciphertext), sealed.kid.encode()
        )
    except (InvalidTag, ValueError) as exc:
        raise SealedFieldError("sealed field cannot be opened with this key") from exc
