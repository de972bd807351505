"""Terminal authentication: Ed25519-signed requests with a time window and a nonce ledger.

Headers: ``X-Terminal-Id``, ``X-Timestamp`` (Unix seconds), ``X-Nonce`` (8-64 chars of
[A-Za-z0-9_-]), ``X-Signature`` (base64 Ed25519 over
``METHOD\\nraw-path[?query]\\ntimestamp\\nnonce\\nsha256(body)``).

Every request passes here, so its statements run on a DBAPI connection directly
(:class:`~platform_server.db.Raw`): the terminal's key, and a read of the nonce so a replay is
refused before any work. The nonce itself is written by :class:`NonceLedger` in the request's
own transaction (see ``app.Signed``): a request's effects and its nonce commit together, and
nothing is answered before the nonce is committed.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.engine import Dialect

from kiosk.platform import crypto
from platform_server.db import Nonce, Raw, RawConnection, Terminal
from platform_server.errors import ApiError

_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_TERMINAL = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
PRUNE_EVERY_S = 1.0  # nonces outside the window are deleted at most this often


@dataclass(frozen=True)
class Authenticated:
    terminal_id: str
    body_sha256: str  # SHA-256 (hex) of the body the signature covers, computed once here
    nonce: str
    time: float  # server time the request was accepted at (the nonce's seen_at)


@functools.lru_cache(maxsize=256)
def _verify_key(public_b64: str) -> Ed25519PublicKey:
    """A terminal's key parsed once (keyed by its text, so a re-enrolled key is parsed anew)."""
    return crypto.load_verify_key(public_b64)


class NonceLedger:
    """The seen nonces of one database.

    A nonce is kept for twice the accepted clock skew (``2 * window_s`` after it was seen), so
    a replay is refused for as long as its timestamp could be accepted: a request is accepted
    only within ``window_s`` of its timestamp, so its nonce was seen no earlier than
    ``timestamp - window_s`` and cannot be pruned before ``timestamp + window_s``. Pruning runs
    at most once a second (inside a recording transaction), not per request."""

    def __init__(self, dialect: Dialect, window_s: int) -> None:
        self.window_s = window_s
        self._key_of = Raw(select(Terminal.public_key).where(
            Terminal.terminal_id == bindparam("tid")), dialect)
        self._enroll = Raw(insert(Terminal).values(terminal_id=bindparam("tid"),
                                                   public_key=bindparam("key")), dialect)
        self._seen = Raw(select(Nonce.seen_at).where(Nonce.terminal_id == bindparam("tid"),
                                                   Nonce.nonce == bindparam("nonce")), dialect)
        self._insert = Raw(insert(Nonce).values(terminal_id=bindparam("tid"),
                                                nonce=bindparam("nonce"),
                                                seen_at=bindparam("at")), dialect)
        self._prune = Raw(delete(Nonce).where(Nonce.seen_at < bindparam("before")), dialect)
        self._lock = threading.Lock()
        self._pruned_at = 0.0

    def public_key(self, db: RawConnection, terminal_id: str) -> str | None:
        """The enrolled terminal's public key (base64), None if it is not enrolled."""
        row = db.first(self._key_of, tid=terminal_id)
        return None if row is None else str(row[0])

    def enroll(self, db: RawConnection, terminal_id: str, public_key: str) -> None:
        """Write the terminal in ``db``'s open transaction (the caller commits)."""
        db.run(self._enroll, tid=terminal_id, key=public_key)

    def seen(self, db: RawConnection, terminal_id: str, nonce: str) -> bool:
        """Whether the terminal's nonce is recorded already (committed)."""
        return db.first(self._seen, tid=terminal_id, nonce=nonce) is not None

    def insert(self, db: RawConnection, auth: Authenticated) -> None:
        """Write the nonce in ``db``'s open transaction (prune first when due); a nonce already
        there (a replay racing its twin) rolls the transaction back and refuses."""
        with self._lock:
            prune = auth.time - self._pruned_at >= PRUNE_EVERY_S
            if prune:
                self._pruned_at = auth.time
        try:
            if prune:
                db.run(self._prune, before=auth.time - 2 * self.window_s)
            db.run(self._insert, tid=auth.terminal_id, nonce=auth.nonce, at=auth.time)
        except db.integrity_error:
            db.rollback()
            raise ApiError(401, "AUTH_REPLAY", "nonce already used") from None


def authenticate(db: RawConnection, ledger: NonceLedger, *, method: str, path_and_query: str,
                 body: bytes, headers: dict[str, str], auto_enroll: bool) -> Authenticated:
    """Check the signed-request headers and the signature; refuse a nonce already recorded.
    Writes nothing but an enrolment (demo): the caller records the nonce."""
    terminal_id = headers.get("x-terminal-id", "")
    timestamp = headers.get("x-timestamp", "")
    nonce = headers.get("x-nonce", "")
    signature = headers.get("x-signature", "")
    if not (terminal_id and timestamp and nonce and signature):
        raise ApiError(401, "AUTH_MISSING", "signed-request headers missing")
    if not _TERMINAL.match(terminal_id) or not _NONCE.match(nonce):
        raise ApiError(401, "AUTH_MALFORMED", "terminal id or nonce malformed")
    try:
        ts = int(timestamp)
    except ValueError:
        raise ApiError(401, "AUTH_MALFORMED", "timestamp is not an integer") from None
    now = time.time()
    if abs(now - ts) > ledger.window_s:
        raise ApiError(401, "AUTH_CLOCK_SKEW", "request time outside the accepted window",
                       details={"server_time": int(now)})
    public_key = ledger.public_key(db, terminal_id)
    if public_key is None:
        public_key = _enroll(db, ledger, terminal_id, headers.get("x-terminal-key", ""),
                             auto_enroll)
    digest = crypto.sha256_hex(body)
    message = crypto.request_string_to_sign(method, path_and_query, timestamp, nonce, body,
                                            body_sha256=digest)
    try:
        crypto.verify(_verify_key(public_key), message, signature)
    except crypto.CryptoError:
        raise ApiError(401, "AUTH_BAD_SIGNATURE", "request signature does not verify") from None
    if ledger.seen(db, terminal_id, nonce):
        raise ApiError(401, "AUTH_REPLAY", "nonce already used")
    return Authenticated(terminal_id, digest, nonce, now)


def _enroll(db: RawConnection, ledger: NonceLedger, terminal_id: str, offered: str,
            auto_enroll: bool) -> str:
    """Demo only: a terminal never seen before is enrolled with the key it presents."""
    if not (auto_enroll and offered):
        raise ApiError(401, "AUTH_UNKNOWN_TERMINAL", "terminal is not enrolled")
    try:
        _verify_key(offered)
    except crypto.CryptoError:
        raise ApiError(401, "AUTH_MALFORMED", "offered terminal key is malformed") from None
    try:
        ledger.enroll(db, terminal_id, offered)
        db.commit()
    except db.integrity_error:
        db.rollback()
        enrolled = ledger.public_key(db, terminal_id)  # by a request racing this one
        assert enrolled is not None
        return enrolled
    return offered
