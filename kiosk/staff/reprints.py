"""Receipts printed on this kiosk, kept for a while so a lobby manager can reprint one (补打).

What is kept is the slip's data with the name and ID number *already masked* — exactly what the
paper showed, nothing more — plus the language it was printed in. Kept in memory only, bounded by
age (``devices.printer.reprint_keep_hours``) and count (``reprint_keep_count``), and dropped on
exit. Why not on disk, sealed like the offline queue's files: the queue seals to the platform's
public key and the kiosk holds no private key, so a sealed receipt could never be reopened here; a
local key would have to sit on the same disk as the file it protects. A reprint is asked for while
the citizen is at the kiosk or soon after (a jam, paper out, a lost slip); a restart in between
loses the chance to reprint, and the reference still answers at the platform's status page.

Thread-safe: the journeys record from their effect worker (the receipt printer gateway), reprints
read from a staff worker. The composition root makes one (``app.receipt_history``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.privacy import mask_id_number, mask_name, mask_reference

if TYPE_CHECKING:  # the printer package is heavy (driver, simulator); the app starts without it
    from kiosk.config import PrinterConfig
    from kiosk.devices.printer.layout import ReceiptData

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeptReceipt:
    data: ReceiptData  # holder_name and id_number masked
    language: str
    kept_at: float  # monotonic seconds, for the age limit


def masked(data: ReceiptData) -> ReceiptData:
    """The slip's data as the paper shows it (masking again on layout changes nothing)."""
    return replace(data, holder_name=mask_name(data.holder_name), id_number=mask_id_number(data.id_number))


class ReceiptHistory:
    def __init__(self, keep_s: float, keep_count: int, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if keep_s <= 0 or keep_count < 1:
            raise ValueError("keep_s must be > 0 and keep_count >= 1")
        self.keep_s = keep_s
        self.keep_count = keep_count
        self._clock = clock
        self._lock = threading.Lock()
        self._items: OrderedDict[str, KeptReceipt] = OrderedDict()  # oldest first

    def record(self, data: ReceiptData, language: str) -> None:
        """Keep a slip that is about to be printed (also when the print then fails: that is when
        a reprint is needed). The same reference again replaces the older copy."""
        kept = KeptReceipt(masked(data), language, self._clock())
        with self._lock:
            self._items.pop(data.reference, None)
            self._items[data.reference] = kept
            self._purge_locked()
        log.info("receipt kept for reprint", extra={"fields": {"reference": mask_reference(data.reference)}})

    def get(self, reference: str) -> KeptReceipt | None:
        with self._lock:
            self._purge_locked()
            return self._items.get(reference.strip())

    def recent(self) -> list[KeptReceipt]:
        """Newest first."""
        with self._lock:
            self._purge_locked()
            return list(reversed(self._items.values()))

    def purge(self) -> int:
        """Drop what is too old or too many; returns how many went."""
        with self._lock:
            return self._purge_locked()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _purge_locked(self) -> int:
        limit = self._clock() - self.keep_s
        gone = 0
        while self._items:
            _ref, oldest = next(iter(self._items.items()))
            if oldest.kept_at > limit and len(self._items) <= self.keep_count:
                break
            self._items.popitem(last=False)
            gone += 1
        if gone:
            log.info("reprintable receipts purged", extra={"fields": {"count": gone, "kept": len(self._items)}})
        return gone


def history_from_config(cfg: PrinterConfig) -> ReceiptHistory:
    return ReceiptHistory(cfg.reprint_keep_hours * 3600.0, cfg.reprint_keep_count)


def reprint_time() -> datetime:
    """The time printed on a reprint (local wall clock, minutes)."""
    return datetime.now().replace(second=0, microsecond=0)
