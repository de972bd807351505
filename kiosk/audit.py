"""Append-only, hash-chained audit log of staff actions and accesses to personal data.

Each line is a JSON object ``{"seq", "ts", "actor", "action", "fields", "prev", "hash"}`` where
``hash = sha256(prev + canonical JSON of the other keys)``. Editing, deleting or reordering any
line breaks the chain from that line on, which :func:`verify` reports. Fields are masked like log
fields (no personal data in the audit file either — it records *that* data was accessed, not what).
Appends take an exclusive ``flock`` so the app and ``kiosk-diag`` can write the same file, and are
fsynced: an audit entry that was written survives a power cut.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.privacy import redact_fields

GENESIS = "0" * 64
AUDIT_FILE_NAME = "audit.jsonl"

_lock = threading.Lock()
_path: Path | None = None


def configure(path: Path) -> None:
    """Set the audit file (normally ``<log_dir>/audit.jsonl``)."""
    global _path
    path.parent.mkdir(parents=True, exist_ok=True)
    _path = path


def audit_path() -> Path:
    if _path is None:
        from kiosk.config import load_config

        cfg = load_config()
        configure(cfg.path(cfg.paths.log_dir) / AUDIT_FILE_NAME)
    assert _path is not None
    return _path


def _digest(prev: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest()


def _last_entry(f: Any) -> dict[str, Any] | None:
    """Read the last complete line of an open file (seeking backwards, not reading it all)."""
    f.seek(0, os.SEEK_END)
    size = f.tell()
    if size == 0:
        return None
    chunk = 4096
    pos = size
    data = b""
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        f.seek(pos)
        data = f.read(step) + data
        lines = data.rstrip(b"\n").split(b"\n")
        if len(lines) > 1 or pos == 0:
            last: dict[str, Any] = json.loads(lines[-1])
            return last
    return None


def audit(action: str, actor: str | None = None, **fields: Any) -> dict[str, Any]:
    """Append one entry; returns it. ``actor`` is a staff id, "citizen" or "system"."""
    path = audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)  # a cleaned log folder must not lose the entry
    with _lock, path.open("a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            last = _last_entry(f)
            prev = last["hash"] if last else GENESIS
            body = {
                "seq": (last["seq"] + 1) if last else 1,
                "ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "actor": actor or "system",
                "action": action,
                "fields": redact_fields(fields),
                "prev": prev,
            }
            entry = {**body, "hash": _digest(prev, body)}
            f.seek(0, os.SEEK_END)
            f.write((json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    first_bad_line: int | None = None
    problem: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "first_bad_line": self.first_bad_line,
                "problem": self.problem}


def verify(path: Path | None = None) -> VerifyResult:
    """Walk the chain; report the first line that was edited, removed or reordered."""
    path = path or audit_path()
    if not path.exists():
        return VerifyResult(True, 0)
    prev = GENESIS
    expected_seq = 1
    count = 0
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, start=1):
            try:
                entry = json.loads(raw)
                claimed = entry.pop("hash")
            except (ValueError, KeyError, AttributeError):
                return VerifyResult(False, count, lineno, "line is not a valid audit entry")
            if entry.get("prev") != prev:
                return VerifyResult(False, count, lineno, "chain broken: previous hash does not match")
            if entry.get("seq") != expected_seq:
                return VerifyResult(False, count, lineno, "sequence number out of order")
            if _digest(prev, entry) != claimed:
                return VerifyResult(False, count, lineno, "entry was modified: hash does not match")
            prev = claimed
            expected_seq += 1
            count += 1
    return VerifyResult(True, count)
