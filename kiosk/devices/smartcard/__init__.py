"""PC/SC card reader: bank cards, social-security cards and staff cards (see driver.py).

Entry points: :func:`kiosk.devices.smartcard.factory.create_card_reader` and
:func:`~kiosk.devices.smartcard.factory.start_card_runner` (imported lazily here so that importing
``errors`` for ``kiosk-diag errors`` does not load pyscard).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.devices.smartcard.factory import create_card_reader, start_card_runner


def __getattr__(name: str) -> Any:
    if name in ("create_card_reader", "start_card_runner"):
        from kiosk.devices.smartcard import factory

        return getattr(factory, name)
    raise AttributeError(name)


__all__ = ["create_card_reader", "start_card_runner"]
