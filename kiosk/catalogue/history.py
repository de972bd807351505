"""Items a citizen used before at this kiosk — kept only for those who said yes.

The key is an HMAC of the ID number with a per-kiosk secret, so the file holds no ID numbers;
nothing is recorded without consent, and withdrawing consent deletes the person's entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
from pathlib import Path

from kiosk.catalogue.store import write_atomically

log = logging.getLogger(__name__)
MAX_ITEMS_PER_PERSON = 10


class UsageHistory:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._secret = self._load_secret(path.with_suffix(".key"))

    @staticmethod
    def _load_secret(path: Path) -> bytes:
        try:
            secret = path.read_bytes()
            if len(secret) == 32:
                return secret
        except FileNotFoundError:
            pass
        secret = os.urandom(32)
        write_atomically(path, secret)
        os.chmod(path, 0o600)
        return secret

    def _key(self, id_number: str) -> str:
        return hmac.new(self._secret, id_number.strip().upper().encode(), hashlib.sha256).hexdigest()

    def _read(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            log.warning("usage_history_unreadable", extra={"fields": {"error": type(e).__name__}})
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: [str(i) for i in v] for k, v in data.items() if isinstance(v, list)}

    def previous_items(self, id_number: str, consented: bool) -> list[str] | None:
        """Most recent first; None without consent (so callers cannot use it by mistake)."""
        if not consented:
            return None
        with self._lock:
            return self._read().get(self._key(id_number), [])

    def record(self, id_number: str, item_id: str, consented: bool) -> None:
        if not consented:
            return
        with self._lock:
            data = self._read()
            key = self._key(id_number)
            items = [item_id] + [i for i in data.get(key, []) if i != item_id]
            data[key] = items[:MAX_ITEMS_PER_PERSON]
            write_atomically(self.path, json.dumps(data).encode())

    def forget(self, id_number: str) -> None:
        with self._lock:
            data = self._read()
            if data.pop(self._key(id_number), None) is not None:
                write_atomically(self.path, json.dumps(data).encode())
