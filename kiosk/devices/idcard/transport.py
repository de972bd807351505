"""What the protocol layer needs from a byte link, whatever carries the bytes.

One module per transport implements :class:`Transport` (:mod:`.serial_transport` for device paths
and pyserial URLs; a USB bulk transport would be another module). Transports raise only the
:class:`TransportError` subclasses below; everything above them is transport-agnostic.
"""

from __future__ import annotations

from typing import Protocol


class TransportError(Exception):
    """Base of the link errors a transport may raise."""


class PortNotFound(TransportError):
    """Nothing at that address (unplugged reader, no such path, nobody listening)."""


class PortUnavailable(TransportError):
    """It exists but cannot be used (permission, held by another program, bad settings)."""


class LinkLost(TransportError):
    """The open link failed (device unplugged mid-use, socket closed, I/O error)."""


class Transport(Protocol):
    description: str

    @property
    def is_open(self) -> bool: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def write(self, data: bytes) -> None: ...

    def read(self, max_bytes: int, timeout_s: float) -> bytes:
        """Up to ``max_bytes``; returns early once they are there; ``b""`` on timeout."""
        ...

    def discard_input(self) -> None:
        """Drop bytes that arrived before the next request (stale answers)."""
        ...
