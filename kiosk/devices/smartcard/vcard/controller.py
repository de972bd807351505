"""Insert and remove virtual cards: the API the dev dock, the tests and the bench use."""

from __future__ import annotations

import threading

from kiosk.devices.smartcard.vcard.catalogue import CARDS, make_card
from kiosk.devices.smartcard.vcard.link import Faults, VpcdLink


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
            link = VpcdLink(card, self.host, self.port, Faults(pull_after_apdus, apdu_delay_s))
            link.connect(connect_timeout_s)
            self._link = link

    def remove(self) -> None:
        with self._lock:
            self._remove_locked()

    def _remove_locked(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None
