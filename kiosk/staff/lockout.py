"""Wrong-PIN counting and lockout with growing backoff, kept in the data directory.

The policy is pure (:func:`after_failure`, :func:`after_success`, :func:`locked_for`); the
:class:`LockoutStore` only loads and saves records atomically. Times are wall-clock seconds
(``time.time``) because a lockout must survive a reboot, where a monotonic clock restarts.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockoutPolicy:
    max_attempts: int = 5
    base_s: float = 60.0
    max_s: float = 3600.0

    def backoff_s(self, lockouts: int) -> float:
        """Length of the n-th consecutive lockout: base, 2×base, 4×base … up to max."""
        if lockouts <= 0:
            return 0.0
        return float(min(self.max_s, self.base_s * (2 ** min(lockouts - 1, 30))))


@dataclass(frozen=True)
class LockoutRecord:
    failures: int = 0  # wrong PINs since the last success or the last lockout
    lockouts: int = 0  # consecutive lockouts since the last success (drives the backoff)
    locked_until: float = 0.0


def locked_for(record: LockoutRecord, now: float) -> float:
    """Seconds left in the current lockout (0 when not locked)."""
    return max(0.0, record.locked_until - now)


def after_failure(record: LockoutRecord, now: float, policy: LockoutPolicy) -> LockoutRecord:
    failures = record.failures + 1
    if failures < policy.max_attempts:
        return replace(record, failures=failures)
    lockouts = record.lockouts + 1
    return LockoutRecord(failures=0, lockouts=lockouts, locked_until=now + policy.backoff_s(lockouts))


def after_success(record: LockoutRecord) -> LockoutRecord:
    return LockoutRecord()


class LockoutStore:
    """Records per staff id in one JSON file, rewritten atomically (temp file + fsync + rename)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._records = self._load()

    def _load(self) -> dict[str, LockoutRecord]:
        try:
            raw = json.loads(self.path.read_text("utf-8"))
            return {str(k): LockoutRecord(int(v["failures"]), int(v["lockouts"]), float(v["locked_until"]))
                    for k, v in raw.items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            # A damaged file must not unlock anyone silently: keep it for the technician, start
            # counting afresh, and say so loudly.
            log.error("staff lockout file unreadable; kept as .corrupt",
                      extra={"fields": {"path": str(self.path)}})
            try:
                os.replace(self.path, self.path.with_suffix(".corrupt"))
            except OSError:
                pass
            return {}

    def get(self, key: str) -> LockoutRecord:
        with self._lock:
            return self._records.get(key, LockoutRecord())

    def put(self, key: str, record: LockoutRecord) -> None:
        with self._lock:
            if record == LockoutRecord():
                self._records.pop(key, None)
            else:
                self._records[key] = record
            self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps({k: asdict(v) for k, v in self._records.items()}, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=".lockout-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
