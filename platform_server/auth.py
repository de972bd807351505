"""Terminal authentication: Ed25519-signed requests with a time window and a nonce cache.

Headers: ``X-Terminal-Id``, ``X-Timestamp`` (Unix seconds), ``X-Nonce`` (8-64 chars of
[A-Za-z0-9_-]), ``X-Signature`` (base64 Ed25519 over
``METHOD\\nraw-path[?query]\\ntimestamp\\nnonce\\nsha256(body)``).

Every request passes here, so the database work is three Core statements on the session's
connection (the terminal's key, the nonce prune, the nonce insert) and one commit: the ORM's
per-object bookkeeping cost more than the SQL itself.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.platform import crypto
from platform_server.db import Nonce, Terminal
from platform_server.errors import ApiError

_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_TERMINAL = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_KEY_OF = select(Terminal.public_key).where(Terminal.terminal_id == bindparam("tid"))
_PRUNE = delete(Nonce).where(Nonce.seen_at < bindparam("before"))
_SEEN = insert(Nonce)


@dataclass(frozen=True)
class Authenticated:
    terminal_id: str
    body_sha256: str  # SHA-256 (hex) of the body the signature covers, computed once here


@functools.lru_cache(maxsize=256)
def _verify_key(public_b64: str) -> Ed25519PublicKey:
    """A terminal's key parsed once (keyed by its text, so a re-enrolled key is parsed anew)."""
    return crypto.load_verify_key(public_b64)


def authenticate(session: Session, *, method: str, path_and_query: str, body: bytes,
                 headers: dict[str, str], window_s: int, auto_enroll: bool) -> Authenticated:
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
    if abs(now - ts) > window_s:
        raise ApiError(401, "AUTH_CLOCK_SKEW", "request time outside the accepted window",
                       details={"server_time": int(now)})
    public_key = session.connection().execute(_KEY_OF, {"tid": terminal_id}).scalar()
    if public_key is None:
        public_key = _enroll(session, terminal_id, headers.get("x-terminal-key", ""),
                             auto_enroll)
    digest = crypto.sha256_hex(body)
    message = crypto.request_string_to_sign(method, path_and_query, timestamp, nonce, body,
                                            body_sha256=digest)
    try:
        crypto.verify(_verify_key(public_key), message, signature)
    except crypto.CryptoError:
        raise ApiError(401, "AUTH_BAD_SIGNATURE", "request signature does not verify") from None
    conn = session.connection()
    conn.execute(_PRUNE, {"before": now - 2 * window_s})
    try:
        conn.execute(_SEEN, {"terminal_id": terminal_id, "nonce": nonce, "seen_at": now})
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ApiError(401, "AUTH_REPLAY", "nonce already used") from None
    return Authenticated(terminal_id, digest)


def _enroll(session: Session, terminal_id: str, offered: str, auto_enroll: bool) -> str:
    """Demo only: a terminal never seen before is enrolled with the key it presents."""
    if not (auto_enroll and offered):
        raise ApiError(401, "AUTH_UNKNOWN_TERMINAL", "terminal is not enrolled")
    try:
        _verify_key(offered)
    except crypto.CryptoError:
        raise ApiError(401, "AUTH_MALFORMED", "offered terminal key is malformed") from None
    session.add(Terminal(terminal_id=terminal_id, public_key=offered))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        terminal = session.get(Terminal, terminal_id)
        assert terminal is not None
        return terminal.public_key
    return offered
