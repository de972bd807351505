"""The platform's key pair files: generated on first start into the data directory (demo).

``platform_keys.json`` (private, mode 0600) holds the Ed25519 signing key and the X25519 key that
opens queued applications; ``platform_public.json`` is what a kiosk is configured with.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.platform import crypto

PRIVATE_FILE = "platform_keys.json"
PUBLIC_FILE = "platform_public.json"


@dataclass(frozen=True)
class PlatformKeys:
    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey
    # Earlier encryption keys, kept after a rotation so applications a kiosk sealed before it
    # learnt the new public key still open.
    retired: tuple[X25519PrivateKey, ...] = ()

    @functools.cached_property
    def _encryption_by_id(self) -> dict[str, X25519PrivateKey]:
        keys: dict[str, X25519PrivateKey] = {}
        for k in (self.encryption, *self.retired):
            keys.setdefault(crypto.key_id(crypto.public_bytes(k)), k)
        return keys

    def encryption_key_for(self, key_id_: str) -> X25519PrivateKey | None:
        return self._encryption_by_id.get(key_id_)

    @property
    def signing_public_b64(self) -> str:
        return crypto.b64e(crypto.public_bytes(self.signing))

    @property
    def encryption_public_b64(self) -> str:
        return crypto.b64e(crypto.public_bytes(self.encryption))

    @functools.cached_property
    def signing_key_id(self) -> str:  # on every receipt: computed once
        return crypto.key_id(crypto.public_bytes(self.signing))

    def public_document(self) -> dict[str, str]:
        return {"signing_public_key": self.signing_public_b64,
                "encryption_public_key": self.encryption_public_b64,
                "signing_key_id": self.signing_key_id,
                "encryption_key_id": crypto.key_id(crypto.public_bytes(self.encryption))}


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def load_or_create(data_dir: Path) -> PlatformKeys:
    data_dir.mkdir(parents=True, exist_ok=True)
    private = data_dir / PRIVATE_FILE
    if private.exists():
        doc = json.loads(private.read_text())
        keys = PlatformKeys(crypto.load_signing_key(crypto.b64d(doc["signing"])),
                            crypto.load_encryption_private(crypto.b64d(doc["encryption"])),
                            tuple(crypto.load_encryption_private(crypto.b64d(r))
                                  for r in doc.get("retired_encryption", [])))
    else:
        keys = PlatformKeys(crypto.new_signing_key(), crypto.new_encryption_key())
        doc = {"signing": crypto.b64e(crypto.private_bytes(keys.signing)),
               "encryption": crypto.b64e(crypto.private_bytes(keys.encryption))}
        _write_atomic(private, json.dumps(doc).encode(), 0o600)
    _write_atomic(data_dir / PUBLIC_FILE, json.dumps(keys.public_document(), indent=2).encode(),
                  0o644)
    return keys


def rotate_encryption_key(data_dir: Path) -> PlatformKeys:
    """Start sealing to a new X25519 key; the old one is kept (retired) to open the backlog."""
    keys = load_or_create(data_dir)
    doc = json.loads((data_dir / PRIVATE_FILE).read_text())
    doc.setdefault("retired_encryption", []).insert(0, doc["encryption"])
    doc["encryption"] = crypto.b64e(crypto.private_bytes(crypto.new_encryption_key()))
    _write_atomic(data_dir / PRIVATE_FILE, json.dumps(doc).encode(), 0o600)
    del keys
    return load_or_create(data_dir)
