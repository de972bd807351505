"""Terminal authentication: Ed25519-signed requests with a time window and a nonce cache.

Headers: ``X-Terminal-Id``, ``X-Timestamp`` (Unix seconds), ``X-Nonce`` (8-64 chars of
[A-Za-z0-9_-]), ``X-Signature`` (base64 Ed25519 over
``METHOD\\nraw-path[?query]\\ntimestamp\\nnonce\\nsha256(body)``).
"""

from __future__ import annotations

import re
import time

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.platform import crypto
from platform_server.db import Nonce, Terminal
from platform_server.errors import ApiError

_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_TERMINAL = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def authenticate(session: Session, *, method: str, path_and_query: str, body: bytes,
                 headers: dict[str, str], window_s: int, auto_enroll: bool) -> str:
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
    terminal = session.get(Terminal, terminal_id)
    if terminal is None:
        offered = headers.get("x-terminal-key", "")
        if not (auto_enroll and offered):
            raise ApiError(401, "AUTH_UNKNOWN_TERMINAL", "terminal is not enrolled")
        try:
            crypto.load_verify_key(offered)
        except crypto.CryptoError:
            raise ApiError(401, "AUTH_MALFORMED", "offered terminal key is malformed") from None
        terminal = Terminal(terminal_id=terminal_id, public_key=offered)
        session.add(terminal)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            terminal = session.get(Terminal, terminal_id)
            assert terminal is not None
    message = crypto.request_string_to_sign(method, path_and_query, timestamp, nonce, body)
    try:
        crypto.verify(crypto.load_verify_key(terminal.public_key), message, signature)
    except crypto.CryptoError:
        raise ApiError(401, "AUTH_BAD_SIGNATURE", "request signature does not verify") from None
    session.execute(delete(Nonce).where(Nonce.seen_at < now - 2 * window_s))
    session.add(Nonce(terminal_id=terminal_id, nonce=nonce, seen_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ApiError(401, "AUTH_REPLAY", "nonce already used") from None
    return terminal_id
