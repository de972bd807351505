"""Key material on the kiosk: its own request-signing key and the platform's public keys."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.platform import crypto


@dataclass(frozen=True)
class PlatformPublicKeys:
    signing: str  # Ed25519, base64 raw
    encryption: str  # X25519, base64 raw

    def validate(self) -> None:
        crypto.load_verify_key(self.signing)
        crypto.load_encryption_public(self.encryption)


def read_platform_keys(signing: str, encryption: str, file: Path | None) -> PlatformPublicKeys:
    """Inline keys win; otherwise the JSON file the platform (or the demo) wrote."""
    if not (signing and encryption) and file is not None and file.exists():
        doc = json.loads(file.read_text())
        signing = signing or str(doc.get("signing_public_key", ""))
        encryption = encryption or str(doc.get("encryption_public_key", ""))
    keys = PlatformPublicKeys(signing, encryption)
    if not (signing and encryption):
        raise crypto.CryptoError("platform public keys are not configured")
    keys.validate()
    return keys


def load_or_create_terminal_key(path: Path) -> Ed25519PrivateKey:
    """The terminal's signing key, created (0600, fsync, atomic rename) on first start."""
    if path.exists():
        doc = json.loads(path.read_text())
        return crypto.load_signing_key(crypto.b64d(doc["private_key"]))
    key = crypto.new_signing_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"private_key": crypto.b64e(crypto.private_bytes(key)),
           "public_key": crypto.b64e(crypto.public_bytes(key))}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps(doc).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return key
