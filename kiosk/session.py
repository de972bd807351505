"""One citizen's visit: everything personal the kiosk holds, and the single ``end()`` that wipes it.

The object is long-lived (``app.session``); ``end()`` wipes the current visit and starts a fresh
one with a new id, so screens keep a valid reference. Qt-free: listeners are plain callables
(the app turns them into "reset every screen and go home").

What ``end()`` does, in order: overwrite every held ``bytearray`` with zeros, clear identity,
answers and flags, delete the visit's temp directory (files were created 0600 inside a 0700
directory), unregister the personal strings from the log masker, pick a new id, notify listeners.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from kiosk.privacy import REDACTIONS

log = logging.getLogger(__name__)

EndListener = Callable[[str, str], None]  # (ended session id, reason)


def _personal_strings(value: Any) -> list[str]:
    """Every string inside ``value`` (nested dicts/lists too) — what the log masker must hide."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _personal_strings(v)]
    if isinstance(value, list | tuple | set | frozenset):
        return [s for v in value for s in _personal_strings(v)]
    return []


class Session:
    def __init__(self, temp_root: Path) -> None:
        self.temp_root = temp_root
        self._listeners: list[EndListener] = []
        self._start()

    def _start(self) -> None:
        # 128 random bits as 32 hex digits, like uuid4().hex; the uuid module's import (with
        # platform's) was ~4 ms of the start.
        self.id = os.urandom(16).hex()
        self.started_at = time.monotonic()
        self.identity: dict[str, Any] = {}
        self.answers: dict[str, Any] = {}
        self.flags: dict[str, Any] = {}
        self.files: list[Path] = []
        self._buffers: list[bytearray] = []
        self._redacted: list[str] = []
        self._temp_dir: Path | None = None

    # --- listeners -------------------------------------------------------------------------
    def on_end(self, listener: EndListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: EndListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # --- holding data ----------------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        return not (self.identity or self.answers or self.flags or self.files or self._buffers)

    def register_personal(self, values: Iterable[str]) -> None:
        """Mask these strings in every log line while this visit lasts."""
        vals = [v for v in values if isinstance(v, str) and v.strip()]
        REDACTIONS.add(vals)
        self._redacted.extend(vals)

    def set_identity(self, identity: Mapping[str, Any]) -> None:
        """The identity read from a card (name, ID number, address …); all its strings are masked."""
        self.register_personal(_personal_strings(identity))
        self.identity = dict(identity)

    def set_answer(self, key: str, value: Any) -> None:
        self.register_personal(_personal_strings(value))
        self.answers[key] = value

    def set_flag(self, key: str, value: Any = True) -> None:
        """Non-personal facts about the visit (consent given, elderly help offered …)."""
        self.flags[key] = value

    def hold_bytes(self, data: bytes | bytearray) -> bytearray:
        """Keep binary personal data (photo, card image) in a buffer that ``end()`` overwrites."""
        buf = bytearray(data)
        self._buffers.append(buf)
        return buf

    @property
    def temp_dir(self) -> Path:
        """This visit's private directory (0700), created on first use."""
        if self._temp_dir is None:
            self.temp_root.mkdir(parents=True, exist_ok=True)
            self._temp_dir = Path(tempfile.mkdtemp(prefix=f"session-{self.id[:8]}-",
                                                   dir=self.temp_root))
            os.chmod(self._temp_dir, 0o700)
        return self._temp_dir

    def new_temp_file(self, suffix: str = "", data: bytes | None = None) -> Path:
        """A new file (0600) in the visit's temp dir, deleted by ``end()``."""
        fd, name = tempfile.mkstemp(suffix=suffix, dir=self.temp_dir)
        try:
            if data is not None:
                os.write(fd, data)
        finally:
            os.close(fd)
        path = Path(name)
        self.files.append(path)
        return path

    def add_file(self, path: Path) -> None:
        """Track a file made elsewhere so ``end()`` deletes it too."""
        self.files.append(path)

    # --- ending ----------------------------------------------------------------------------
    def end(self, reason: str = "finished") -> str:
        """Wipe the visit and start a new one; return the ended session's id."""
        ended = self.id
        had_data = not self.is_empty
        for buf in self._buffers:
            buf[:] = bytes(len(buf))
        self._buffers.clear()
        for mapping in (self.identity, self.answers, self.flags):
            mapping.clear()
        removed = self._delete_files()
        REDACTIONS.remove(self._redacted)
        self._redacted.clear()
        log.info("session ended", extra={"fields": {
            "session": ended, "reason": reason, "had_data": had_data, "files_removed": removed,
            "seconds": round(time.monotonic() - self.started_at, 1)}})
        self._start()
        for listener in list(self._listeners):
            try:
                listener(ended, reason)
            except Exception:
                log.exception("session end listener failed")
        return ended

    def _delete_files(self) -> int:
        removed = 0
        for path in self.files:
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
            except OSError as e:
                log.error("could not delete a session file", extra={"fields": {"error": e.strerror}})
        self.files.clear()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            if self._temp_dir.exists():
                log.error("session temp dir still present after wipe")
        return removed
