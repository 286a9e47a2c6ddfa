"""The installation's Ed25519 signing key: created on first use, kept in a file, never in the store.

The store can be copied, handed over or seized; the key that signs its tree heads stays
with the installation (``evidence.key`` in the config, by default beside the config
file), so whoever holds only the store cannot forge a head. A ``.pub`` file beside it
holds the public key to hand out; its fingerprint (SHA-256 of the raw 32 bytes) is what
``verify``, every report and every alert footer show.
"""

from __future__ import annotations

import base64
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from evidence.checker import key_fingerprint

logger = logging.getLogger(__name__)


class KeyFileError(Exception):
    """The key file exists but cannot be read as an Ed25519 private key."""


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    path: Path

    @property
    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_bytes).decode("ascii")

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public_bytes)

    @property
    def origin(self) -> str:
        """The log's name in its tree heads: the project and the key's short fingerprint."""
        return f"palimpsest/{self.fingerprint[:16]}"

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def load_or_create(path: Path) -> SigningKey:
    """The key at ``path``; a new one is created there (mode 0600) when there is none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _create(path)
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path}: not a PEM private key ({exc})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: not an Ed25519 key")
    return SigningKey(private, path)


def public_key(path: Path) -> Ed25519PublicKey | None:
    """The installation's public key from the key file or its ``.pub``, when either exists."""
    if path.exists():
        return load_or_create(path).private.public_key()
    pub = pub_path(path)
    if pub.exists():
        key = serialization.load_pem_public_key(pub.read_bytes())
        if isinstance(key, Ed25519PublicKey):
            return key
    return None


def pub_path(path: Path) -> Path:
    return path.with_name(path.name + ".pub")


def _create(path: Path) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    try:  # a hard link appears whole or not at all: two first runs keep one key
        os.link(tmp, path)
    except FileExistsError:
        return load_or_create(path)
    finally:
        tmp.unlink()
    pub = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    pub_path(path).write_bytes(pub)
    key = SigningKey(private, path)
    logger.warning("created the installation signing key %s (fingerprint %s): back it up", path, key.fingerprint)
    return key
