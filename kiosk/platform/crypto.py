"""The cryptography both ends of the platform contract share (kiosk and reference server).

- Envelope encryption of an application: a fresh AES-256-GCM data key per application encrypts
  the payload and every attachment; the data key is wrapped for the platform with X25519
  ephemeral-static ECDH + HKDF-SHA256 → AES-256-GCM. The kiosk keeps no private key, so it cannot
  open what it queued.
- Ed25519 signatures: the platform signs catalogues and delivery receipts; each terminal signs
  its requests (method, path, timestamp, nonce, body hash).

Keys travel as unpadded-free standard base64 of their raw bytes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENVELOPE_ALG = "X25519-HKDF-SHA256-A256GCM"
# A sealed attachment is its plaintext plus this (12-byte nonce + 16-byte tag); writing one into
# a buffer (Sealer.attachment_into) needs ATTACHMENT_SLACK more bytes of room.
ATTACHMENT_OVERHEAD = 28
ATTACHMENT_SLACK = 15
_WRAP_INFO = b"kiosk-envelope-v1"
_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw
_RAW_PRIV = serialization.PrivateFormat.Raw
_NOENC = serialization.NoEncryption()


class CryptoError(Exception):
    """A signature or ciphertext that does not verify, or a malformed key/envelope."""


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as e:
        raise CryptoError("not valid base64") from e


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(obj: Any) -> bytes:
    """Deterministic JSON bytes (sorted keys, no spaces, UTF-8) for hashing and signing."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id(public_raw: bytes) -> str:
    """A short, stable name of a public key (first 16 hex digits of its SHA-256)."""
    return sha256_hex(public_raw)[:16]


# -- key material -------------------------------------------------------------------------------

def new_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def new_encryption_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def private_bytes(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(_RAW, _RAW_PRIV, _NOENC)


def public_bytes(key: Ed25519PrivateKey | X25519PrivateKey | Ed25519PublicKey
                 | X25519PublicKey) -> bytes:
    if isinstance(key, (Ed25519PrivateKey, X25519PrivateKey)):
        return key.public_key().public_bytes(_RAW, _RAW_PUB)
    return key.public_bytes(_RAW, _RAW_PUB)


def load_signing_key(raw: bytes) -> Ed25519PrivateKey:
    try:
        return Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError as e:
        raise CryptoError("bad Ed25519 private key") from e


def load_verify_key(b64: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(b64d(b64))
    except ValueError as e:
        raise CryptoError("bad Ed25519 public key") from e


def load_encryption_private(raw: bytes) -> X25519PrivateKey:
    try:
        return X25519PrivateKey.from_private_bytes(raw)
    except ValueError as e:
        raise CryptoError("bad X25519 private key") from e


def load_encryption_public(b64: str) -> X25519PublicKey:
    try:
        return X25519PublicKey.from_public_bytes(b64d(b64))
    except ValueError as e:
        raise CryptoError("bad X25519 public key") from e


# -- signatures ---------------------------------------------------------------------------------

def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return b64e(key.sign(message))


def verify(public: Ed25519PublicKey, message: bytes, signature_b64: str) -> None:
    """Raise :class:`CryptoError` unless ``signature_b64`` is ``public``'s signature of ``message``."""
    try:
        public.verify(b64d(signature_b64), message)
    except (InvalidSignature, CryptoError) as e:
        raise CryptoError("signature does not verify") from e


def request_string_to_sign(method: str, path_and_query: str, timestamp: str, nonce: str,
                           body: bytes, body_sha256: str | None = None) -> bytes:
    """What a terminal signs: one field a line, the body as its SHA-256 (``body_sha256`` when the
    caller already computed it from these very bytes)."""
    digest = body_sha256 if body_sha256 is not None else sha256_hex(body)
    return "\n".join([method.upper(), path_and_query, timestamp, nonce, digest]).encode()


# -- envelope encryption ------------------------------------------------------------------------

@dataclass(frozen=True)
class SealedApplication:
    """An application sealed for the platform: the envelope plus the encrypted attachment blobs."""

    envelope: dict[str, str]  # JSON-able; goes into the manifest
    # (name, [nonce, ciphertext]): the blob is the two parts back to back; kept apart so a
    # large attachment is never copied just to prepend 12 bytes.
    attachments: list[tuple[str, list[bytes]]]


def _wrap_key(shared: bytes, epk: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=epk + recipient,
                info=_WRAP_INFO).derive(shared)


def _aad(application_id: str, part: str) -> bytes:
    return f"{application_id}|{part}".encode()


@functools.lru_cache(maxsize=8)
def _recipient(recipient_b64: str) -> tuple[X25519PublicKey, bytes]:
    """The platform's public key, parsed once (it is the same for every application)."""
    key = load_encryption_public(recipient_b64)
    return key, public_bytes(key)


@dataclass(frozen=True, repr=False)
class KeyWrap:
    """The recipient's half of one envelope made ahead of time (:func:`prepare_wrap`): a fresh
    ephemeral X25519 key agreed with the recipient, and the key-encryption key derived from it.
    For one application only; it opens nothing (it can only wrap a data key not made yet)."""

    recipient_b64: str
    epk: bytes  # the ephemeral public key (goes into the envelope)
    kek: bytes


def prepare_wrap(recipient_b64: str) -> KeyWrap:
    """The X25519 agreement and HKDF of an envelope, for a caller with time to spare before the
    application exists (the queue, between citizens). Raises CryptoError for a malformed key."""
    recipient, recipient_raw = _recipient(recipient_b64)
    ephemeral = X25519PrivateKey.generate()
    epk = public_bytes(ephemeral)
    return KeyWrap(recipient_b64, epk,
                   _wrap_key(ephemeral.exchange(recipient), epk, recipient_raw))


class Sealer:
    """Seals one application in two steps, so the large part can be on its way to disk while
    the small part is built: :meth:`attachment` encrypts with the data key at once;
    :meth:`envelope` then wraps that key for the recipient (X25519 + HKDF) and encrypts the
    payload. The result is exactly what :func:`seal` produces. One data key per application;
    each attachment gets its own nonce. ``wrap``: that recipient half made ahead
    (:func:`prepare_wrap`), used for this one envelope. Raises :class:`CryptoError` for a
    malformed key or a wrap made for another recipient."""

    def __init__(self, recipient_b64: str, application_id: str,
                 wrap: KeyWrap | None = None) -> None:
        self._recipient, self._recipient_raw = _recipient(recipient_b64)
        self._application_id = application_id
        self._data_key = AESGCM.generate_key(bit_length=256)
        self._aead = AESGCM(self._data_key)
        if wrap is not None and wrap.recipient_b64 != recipient_b64:
            raise CryptoError("key wrap made for another recipient")
        self._wrap = wrap

    def attachment(self, name: str, data: bytes) -> list[bytes]:
        """``[nonce, ciphertext]``: the blob is the two back to back, kept apart so a large
        attachment is never copied just to prepend 12 bytes."""
        nonce = os.urandom(12)
        return [nonce, self._aead.encrypt(nonce, data, _aad(self._application_id, f"att:{name}"))]

    def attachment_into(self, name: str, data: bytes, out: memoryview) -> int:
        """The blob of :meth:`attachment` (the same bytes: AES-GCM encrypted in one pass),
        written into ``out`` instead of new memory, for a caller whose buffer goes straight to
        the disk (the queue's direct I/O). ``out`` must hold ``len(data) +
        ATTACHMENT_OVERHEAD + ATTACHMENT_SLACK`` bytes; returns the blob's length."""
        nonce = os.urandom(12)
        out[:12] = nonce
        enc = Cipher(algorithms.AES(self._data_key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(_aad(self._application_id, f"att:{name}"))
        n = enc.update_into(data, out[12:])
        tail = enc.finalize()  # GCM is a stream mode: nothing is held back
        out[12 + n:12 + n + len(tail)] = tail
        n += len(tail)
        out[12 + n:12 + n + 16] = enc.tag
        return 12 + n + 16

    def envelope(self, payload: bytes) -> dict[str, str]:
        wrap, self._wrap = self._wrap, None  # one envelope per wrap
        if wrap is not None:
            epk, kek = wrap.epk, wrap.kek
        else:
            ephemeral = X25519PrivateKey.generate()
            epk = public_bytes(ephemeral)
            kek = _wrap_key(ephemeral.exchange(self._recipient), epk, self._recipient_raw)
        wrap_nonce = os.urandom(12)
        wrapped = AESGCM(kek).encrypt(wrap_nonce, self._data_key,
                                      _aad(self._application_id, "key"))
        nonce = os.urandom(12)
        ciphertext = self._aead.encrypt(nonce, payload, _aad(self._application_id, "payload"))
        return {"alg": ENVELOPE_ALG, "key_id": key_id(self._recipient_raw), "epk": b64e(epk),
                "wrap_nonce": b64e(wrap_nonce), "wrapped_key": b64e(wrapped),
                "nonce": b64e(nonce), "ciphertext": b64e(ciphertext)}


def seal(recipient_b64: str, application_id: str, payload: bytes,
         attachments: list[tuple[str, bytes]]) -> SealedApplication:
    """Encrypt ``payload`` and ``attachments`` for the holder of ``recipient_b64``'s private key."""
    sealer = Sealer(recipient_b64, application_id)
    blobs = [(name, sealer.attachment(name, data)) for name, data in attachments]
    return SealedApplication(sealer.envelope(payload), blobs)


def open_data_key(private: X25519PrivateKey, application_id: str, envelope: dict[str, Any]) -> bytes:
    """The platform side: unwrap the per-application data key."""
    try:
        if envelope.get("alg") != ENVELOPE_ALG:
            raise CryptoError(f"unsupported envelope algorithm {envelope.get('alg')!r}")
        epk = b64d(str(envelope["epk"]))
        recipient_raw = public_bytes(private)
        shared = private.exchange(X25519PublicKey.from_public_bytes(epk))
        kek = _wrap_key(shared, epk, recipient_raw)
        return AESGCM(kek).decrypt(b64d(str(envelope["wrap_nonce"])),
                                   b64d(str(envelope["wrapped_key"])), _aad(application_id, "key"))
    except (KeyError, ValueError, InvalidTag, TypeError) as e:
        raise CryptoError("envelope does not open") from e


def open_payload(data_key: bytes, application_id: str, envelope: dict[str, Any]) -> bytes:
    try:
        return AESGCM(data_key).decrypt(b64d(str(envelope["nonce"])),
                                        b64d(str(envelope["ciphertext"])),
                                        _aad(application_id, "payload"))
    except (KeyError, ValueError, InvalidTag) as e:
        raise CryptoError("payload does not open") from e


def open_attachment(data_key: bytes, application_id: str, name: str, blob: bytes) -> bytes:
    if len(blob) < 28:
        raise CryptoError("attachment too short")
    view = memoryview(blob)  # no copy of a large blob just to skip its 12-byte nonce
    try:
        return AESGCM(data_key).decrypt(view[:12], view[12:], _aad(application_id, f"att:{name}"))
    except (ValueError, InvalidTag) as e:
        raise CryptoError("attachment does not open") from e
