"""One virtual card on vpcd's socket: a thread that answers vpcd's frames until removed.

Fault injection for tests and the dev dock: ``pull_after_apdus`` closes the socket after that many
command APDUs (the card is pulled mid-read), ``apdu_delay_s`` slows every answer.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from dataclasses import dataclass

from kiosk.devices.smartcard.vcard.cards import VirtualCard

log = logging.getLogger(__name__)

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0x00, 0x01, 0x02, 0x04


class FrameError(ValueError):
    pass


@dataclass(frozen=True)
class Faults:
    pull_after_apdus: int | None = None
    apdu_delay_s: float = 0.0


# Switchable only so the bench can show what it saves; always on otherwise.
QUICKACK = True


def _quickack(sock: socket.socket) -> None:
    # vpcd writes the 2-byte length and the payload as two small segments; with Nagle on its side
    # and delayed ACK on ours every APDU would wait ~40 ms. Linux resets QUICKACK after use.
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if QUICKACK and quickack is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
        except OSError:
            pass


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        _quickack(sock)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def read_frame(sock: socket.socket) -> bytes | None:
    """A vpcd frame, or None when vpcd closed the connection."""
    header = _recv_exact(sock, 2)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    if length == 0:
        raise FrameError("empty vpcd frame")
    return _recv_exact(sock, length)


def frame(payload: bytes) -> bytes:
    if not 0 < len(payload) <= 0xFFFF:
        raise FrameError("payload does not fit a vpcd frame")
    return struct.pack(">H", len(payload)) + payload


class VpcdLink:
    def __init__(self, card: VirtualCard, host: str, port: int, faults: Faults = Faults()) -> None:
        self.card = card
        self.host, self.port = host, port
        self.faults = faults
        self.apdus = 0
        self.powered = False
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()
        self.ended = threading.Event()

    def connect(self, timeout_s: float = 5.0) -> None:
        """Insert the card: connect (retrying while pcscd is still loading vpcd)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self._sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise ConnectionError(f"vpcd is not listening on {self.host}:{self.port} "
                                          "(is pcscd running with vsmartcard-vpcd?)") from None
                time.sleep(0.05)
        self._sock.settimeout(None)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._thread = threading.Thread(target=self._serve, name=f"vcard-{self.card.name}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Remove the card."""
        self._closing.set()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)

    def _serve(self) -> None:
        sock = self._sock
        assert sock is not None
        try:
            while not self._closing.is_set():
                payload = read_frame(sock)
                if payload is None:
                    break
                reply = self._answer(payload)
                if reply is not None:
                    sock.sendall(frame(reply))
                if self.faults.pull_after_apdus is not None and self.apdus >= self.faults.pull_after_apdus:
                    break  # pulled: close without answering anything more
        except (OSError, FrameError):
            pass
        finally:
            try:
                sock.close()
            except OSError:
                pass
            self.ended.set()

    def _answer(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            code = payload[0]
            if code == CTRL_ATR:
                return self.card.atr
            if code in (CTRL_ON, CTRL_RESET):
                self.powered = True
                self.card.power_on()
            elif code == CTRL_OFF:
                self.powered = False
            return None
        self.apdus += 1
        if self.faults.pull_after_apdus is not None and self.apdus > self.faults.pull_after_apdus:
            return None
        if self.faults.apdu_delay_s:
            time.sleep(self.faults.apdu_delay_s)
        return self.card.respond(payload)
