"""Insert and remove virtual cards: the API the dev dock, the tests and the bench use."""

from __future__ import annotations

import threading
import time

from kiosk.devices.smartcard.vcard.catalogue import CARDS, make_card
from kiosk.devices.smartcard.vcard.link import Faults, VpcdLink

# vpcd looks at its socket about every 0.4 s; a card swapped faster than that would look to
# pcscd like the same card staying in (no hand swaps cards that fast either).
MIN_SWAP_GAP_S = 0.6
_removed_at: dict[tuple[str, int], float] = {}  # per vpcd slot, across controllers


class VirtualCardController:
    def __init__(self, host: str = "127.0.0.1", port: int = 35963) -> None:
        self.host, self.port = host, port
        self._link: VpcdLink | None = None
        self._lock = threading.Lock()

    @staticmethod
    def cards() -> list[str]:
        return list(CARDS)

    @property
    def inserted(self) -> str | None:
        link = self._link
        if link is None or link.ended.is_set():
            return None
        return link.card.name

    @property
    def apdu_count(self) -> int:
        return self._link.apdus if self._link is not None else 0

    def insert(self, card_name: str, *, pull_after_apdus: int | None = None, apdu_delay_s: float = 0.0,
               connect_timeout_s: float = 5.0) -> None:
        """Insert ``card_name`` (removing any card in the slot first). Raises ConnectionError
        when vpcd is not listening and KeyError for an unknown card name."""
        card = make_card(card_name)
        with self._lock:
            self._remove_locked()
            wait = _removed_at.get((self.host, self.port), 0.0) + MIN_SWAP_GAP_S - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            link = VpcdLink(card, self.host, self.port, Faults(pull_after_apdus, apdu_delay_s))
            link.connect(connect_timeout_s)
            self._link = link

    def remove(self) -> None:
        with self._lock:
            self._remove_locked()

    def stop(self) -> None:
        """Shutting the kiosk down takes the virtual card out (closes its vpcd connection)."""
        self.remove()

    def _remove_locked(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None
            _removed_at[(self.host, self.port)] = time.monotonic()
