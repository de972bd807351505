"""Staff PINs are stored only as slow, salted scrypt hashes.

Format: ``scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`` — the parameters travel with the hash
so they can be raised later without invalidating provisioned staff files.

Why scrypt (stdlib ``hashlib.scrypt``) and not argon2: it needs no extra native package on the
kiosk image, it is memory-hard, and with N=2^15, r=8, p=1 (32 MiB, ~0.1 s on a kiosk CPU) a
6-digit PIN space still costs an attacker with a stolen staff file roughly a day of one core per
staff entry — while the online path is limited far harder by the lockout. OWASP lists these
parameters as the scrypt minimum.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

SCHEME = "scrypt"
DEFAULT_LOG2_N = 15
DEFAULT_R = 8
DEFAULT_P = 1
# Hashes weaker than this are refused, so a hand-edited file cannot downgrade the cost. Tests use it.
MIN_LOG2_N = 10
SALT_BYTES = 16
KEY_BYTES = 32
PIN_MIN_LENGTH = 4
PIN_MAX_LENGTH = 12


class PinFormatError(ValueError):
    """A stored hash or a PIN that does not have the required shape."""


@dataclass(frozen=True)
class PinHash:
    log2_n: int
    r: int
    p: int
    salt: bytes
    key: bytes

    def encode(self) -> str:
        b64 = base64.b64encode
        return (f"{SCHEME}${self.log2_n}${self.r}${self.p}$"
                f"{b64(self.salt).decode()}${b64(self.key).decode()}")

    @staticmethod
    def parse(text: str) -> PinHash:
        parts = text.strip().split("$")
        if len(parts) != 6 or parts[0] != SCHEME:
            raise PinFormatError("PIN hash must look like scrypt$15$8$1$<salt>$<hash>")
        try:
            log2_n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
            salt = base64.b64decode(parts[4], validate=True)
            key = base64.b64decode(parts[5], validate=True)
        except ValueError as e:
            raise PinFormatError(f"PIN hash is damaged: {e}") from None
        if not MIN_LOG2_N <= log2_n <= 20 or not 1 <= r <= 32 or not 1 <= p <= 16:
            raise PinFormatError(f"PIN hash parameters out of range (log2 N={log2_n}, r={r}, p={p})")
        if len(salt) < 8 or len(key) < 16:
            raise PinFormatError("PIN hash salt or key too short")
        return PinHash(log2_n, r, p, salt, key)


def validate_pin(pin: str) -> None:
    if not pin.isdigit() or not PIN_MIN_LENGTH <= len(pin) <= PIN_MAX_LENGTH:
        raise PinFormatError(f"a PIN is {PIN_MIN_LENGTH}–{PIN_MAX_LENGTH} digits")


def _derive(pin: str, log2_n: int, r: int, p: int, salt: bytes, length: int) -> bytes:
    n = 1 << log2_n
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r + 1024 * 1024, dklen=length)


def hash_pin(pin: str, log2_n: int = DEFAULT_LOG2_N, r: int = DEFAULT_R, p: int = DEFAULT_P) -> str:
    """Hash a PIN for the staff file (a fresh random salt each time)."""
    validate_pin(pin)
    salt = secrets.token_bytes(SALT_BYTES)
    return PinHash(log2_n, r, p, salt, _derive(pin, log2_n, r, p, salt, KEY_BYTES)).encode()


def verify_pin(pin: str, stored: PinHash) -> bool:
    """Constant-time comparison of the derived key; a malformed PIN still costs one derivation."""
    candidate = _derive(pin, stored.log2_n, stored.r, stored.p, stored.salt, len(stored.key))
    return hmac.compare_digest(candidate, stored.key)
