"""PC/SC through pyscard's thin ``smartcard.scard`` layer: contexts, reader state, card sessions.

Why the raw layer rather than pyscard's CardMonitor/ReaderMonitor: those run on threads of their
own and stop silently when pcscd goes away or restarts (0x8010001D / 0x8010001E / 0x80100013).
Here the device thread polls ``SCardGetStatusChange`` itself (driver.py), so a dead service is an
ordinary return code that turns the status into noDevice, and the runner's supervision
re-establishes the context with backoff — no hidden thread to supervise.

A card session runs every call for one card on a :class:`_CallThread` with a deadline. A mute card
makes ``SCardTransmit`` block for as long as the reader driver likes (forever with vpcd); the
deadline turns that into :class:`CardMute` and the device thread walks away from the stuck call.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from smartcard import scard

from kiosk.devices.smartcard.errors import (
    CardFault,
    CardMute,
    CardRemoved,
    CardUnpowered,
    NoCard,
    ReaderBusy,
    ReaderGone,
    ServiceGone,
)

T = TypeVar("T")

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"

SCARD_E_CANCELLED = 0x80100002
SCARD_E_INVALID_HANDLE = 0x80100003
SCARD_E_UNKNOWN_READER = 0x80100009
SCARD_E_TIMEOUT = 0x8010000A
SCARD_E_SHARING_VIOLATION = 0x8010000B
SCARD_E_NO_SMARTCARD = 0x8010000C
SCARD_F_COMM_ERROR = 0x80100013
SCARD_E_NOT_TRANSACTED = 0x80100016
SCARD_E_READER_UNAVAILABLE = 0x80100017
SCARD_E_NO_SERVICE = 0x8010001D
SCARD_E_SERVICE_STOPPED = 0x8010001E
SCARD_E_NO_READERS_AVAILABLE = 0x8010002E
SCARD_W_UNRESPONSIVE_CARD = 0x80100066
SCARD_W_UNPOWERED_CARD = 0x80100067
SCARD_W_RESET_CARD = 0x80100068
SCARD_W_REMOVED_CARD = 0x80100069
SCARD_PRESENT = 0x0004  # pcsc-lite's SCardStatus card-state bit (pyscard does not export it)

SERVICE_GONE_CODES = frozenset({SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED, SCARD_F_COMM_ERROR,
                                SCARD_E_INVALID_HANDLE})


def hresult(value: int) -> int:
    return value & 0xFFFFFFFF


def fault_for(code: int, where: str) -> CardFault:
    """Map a PC/SC return code to the typed fault a technician and the UI understand."""
    code = hresult(code)
    detail = f"{where}: 0x{code:08X}"
    if code in SERVICE_GONE_CODES:
        return ServiceGone(detail)
    if code in (SCARD_E_UNKNOWN_READER, SCARD_E_READER_UNAVAILABLE, SCARD_E_NO_READERS_AVAILABLE):
        return ReaderGone(detail)
    if code == SCARD_E_NO_SMARTCARD:
        return NoCard(detail)
    # NOT_TRANSACTED: the reader driver failed the exchange — a card pulled or swapped under it.
    if code in (SCARD_W_REMOVED_CARD, SCARD_W_RESET_CARD, SCARD_E_NOT_TRANSACTED):
        return CardRemoved(detail)
    if code == SCARD_E_SHARING_VIOLATION:
        return ReaderBusy(detail)
    if code in (SCARD_W_UNRESPONSIVE_CARD, SCARD_W_UNPOWERED_CARD):
        return CardUnpowered(detail)
    return CardFault(detail)


def establish_context() -> int:
    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hr != scard.SCARD_S_SUCCESS:
        raise fault_for(hr, "SCardEstablishContext")
    return int(ctx)


def release_context(ctx: int) -> None:
    scard.SCardReleaseContext(ctx)


def list_readers(ctx: int) -> list[str]:
    hr, readers = scard.SCardListReaders(ctx, [])
    if hresult(hr) == SCARD_E_NO_READERS_AVAILABLE:
        return []
    if hr != scard.SCARD_S_SUCCESS:
        raise fault_for(hr, "SCardListReaders")
    return list(readers)


def choose_reader(readers: list[str], wanted: str) -> str | None:
    """The configured reader (exact name, else first whose name contains ``wanted``), else the first."""
    if not wanted:
        return readers[0] if readers else None
    for r in readers:
        if r == wanted:
            return r
    for r in readers:
        if wanted.lower() in r.lower():
            return r
    return None


@dataclass(frozen=True)
class ReaderState:
    event_state: int
    atr: bytes

    @property
    def present(self) -> bool:
        return bool(self.event_state & scard.SCARD_STATE_PRESENT)

    @property
    def mute(self) -> bool:
        return bool(self.event_state & scard.SCARD_STATE_MUTE)

    @property
    def exclusive(self) -> bool:
        return bool(self.event_state & scard.SCARD_STATE_EXCLUSIVE)


class StatusWatch:
    """Waits for a change on one reader or on the reader list (PnP pseudo-reader)."""

    def __init__(self, ctx: int, reader: str) -> None:
        self.ctx = ctx
        self.reader = reader
        self._known = scard.SCARD_STATE_UNAWARE
        self._pnp_known = scard.SCARD_STATE_UNAWARE
        self.use_pnp = True

    def wait(self, timeout_ms: int) -> tuple[ReaderState | None, bool]:
        """Returns (new reader state or None if unchanged, readers-list-changed)."""
        states = [(self.reader, self._known)]
        if self.use_pnp:
            states.append((PNP_NOTIFICATION, self._pnp_known))
        hr, out = scard.SCardGetStatusChange(self.ctx, timeout_ms, states)
        code = hresult(hr)
        if code in (SCARD_E_TIMEOUT, SCARD_E_CANCELLED):
            return None, False
        if code != scard.SCARD_S_SUCCESS:
            if self.use_pnp and code == SCARD_E_UNKNOWN_READER and len(states) == 2:
                # A stack without PnP notification support: watch the reader alone.
                self.use_pnp = False
                return None, False
            fault = fault_for(code, "SCardGetStatusChange")
            if type(fault) is CardFault:
                # Anything unexpected here (pcscd dying mid-call answers odd codes such as
                # 0x8010006A) leaves the context unusable: recover by re-establishing it.
                raise ServiceGone(fault.detail)
            raise fault
        changed_state: ReaderState | None = None
        list_changed = False
        for name, event_state, atr in out:
            if name == PNP_NOTIFICATION:
                if event_state & scard.SCARD_STATE_CHANGED and self._pnp_known != scard.SCARD_STATE_UNAWARE:
                    list_changed = True
                self._pnp_known = event_state & ~scard.SCARD_STATE_CHANGED
                continue
            if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                raise ReaderGone(f"reader state 0x{event_state:X}")
            if event_state & scard.SCARD_STATE_CHANGED or self._known == scard.SCARD_STATE_UNAWARE:
                changed_state = ReaderState(event_state, bytes(atr))
            self._known = event_state & ~scard.SCARD_STATE_CHANGED
        return changed_state, list_changed


class _CallThread:
    """One daemon thread that runs blocking PC/SC calls with a deadline.

    After a deadline passes the thread is abandoned (it finishes whenever the call returns, e.g.
    when the card is pulled) and every later call fails fast with :class:`CardMute`."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], Any], queue.Queue[tuple[bool, Any]]] | None] = queue.Queue()
        self.abandoned = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            fn, reply = item
            try:
                reply.put((True, fn()))
            except BaseException as e:  # handed to the caller, who decides
                reply.put((False, e))

    def call(self, fn: Callable[[], T], timeout_s: float, what: str) -> T:
        if self.abandoned:
            raise CardMute(f"{what}: an earlier call is still stuck")
        reply: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
        self._jobs.put((fn, reply))
        try:
            ok, value = reply.get(timeout=timeout_s)
        except queue.Empty:
            self.abandoned = True
            raise CardMute(f"{what}: no answer in {timeout_s:.1f}s") from None
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def post(self, fn: Callable[[], Any]) -> None:
        """Queue ``fn`` without waiting (it runs after any stuck call has returned)."""
        self._jobs.put((fn, queue.Queue(maxsize=1)))

    def stop(self) -> None:
        self._jobs.put(None)


@dataclass(frozen=True)
class SessionTimeouts:
    connect_s: float = 5.0
    apdu_s: float = 3.0


class CardSession:
    """One exclusive connection to the card in ``reader`` (own context, own call thread)."""

    def __init__(self, reader: str, timeouts: SessionTimeouts, *, exclusive: bool = True) -> None:
        self.reader = reader
        self.timeouts = timeouts
        self.exclusive = exclusive
        self._calls = _CallThread(f"pcsc-session-{reader[:16]}")
        self._ctx: int | None = None
        self._handle: int | None = None
        self._protocol = 0
        self._in_transaction = False
        self.atr = b""

    def open(self) -> None:
        self._calls.call(self._connect, self.timeouts.connect_s, "connect")

    def _connect(self) -> None:
        self._ctx = establish_context()
        share = scard.SCARD_SHARE_EXCLUSIVE if self.exclusive else scard.SCARD_SHARE_SHARED
        hr, handle, protocol = scard.SCardConnect(self._ctx, self.reader, share,
                                                  scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        if hr != scard.SCARD_S_SUCCESS:
            raise fault_for(hr, "SCardConnect")
        self._handle, self._protocol = handle, protocol
        # Exclusive share already keeps other processes out; the transaction also keeps out
        # other contexts of ours (the poller) from resetting the card mid-read.
        hr = scard.SCardBeginTransaction(handle)
        if hr != scard.SCARD_S_SUCCESS:
            raise fault_for(hr, "SCardBeginTransaction")
        self._in_transaction = True
        hr, _reader, _state, _proto, atr = scard.SCardStatus(handle)
        if hr == scard.SCARD_S_SUCCESS:
            self.atr = bytes(atr)

    def transmit(self, command: bytes) -> bytes:
        return self._calls.call(lambda: self._transmit(command), self.timeouts.apdu_s, "transmit")

    def _transmit(self, command: bytes) -> bytes:
        if self._handle is None:
            raise NoCard("not connected")
        hr, response = scard.SCardTransmit(self._handle, self._protocol, list(command))
        if hr != scard.SCARD_S_SUCCESS:
            raise fault_for(hr, "SCardTransmit")
        data = bytes(response)
        if len(data) < 2:
            # pcscd answers an empty response when the card vanished during the exchange.
            hr, _r, state, _p, _atr = scard.SCardStatus(self._handle)
            if hr != scard.SCARD_S_SUCCESS or not state & SCARD_PRESENT:
                raise CardRemoved("card gone during transmit")
            raise fault_for(SCARD_F_COMM_ERROR, "SCardTransmit returned no status word")
        return data

    def close(self) -> None:
        if self._calls.abandoned:
            # A call is stuck (mute card). Release the handle and context on that same thread as
            # soon as the call returns (when the card is pulled), or the reader stays locked.
            self._calls.post(self._disconnect)
            self._calls.stop()
            return
        try:
            self._calls.call(self._disconnect, self.timeouts.connect_s, "disconnect")
        except CardFault:
            pass
        finally:
            self._calls.stop()

    def _disconnect(self) -> None:
        if self._handle is not None:
            if self._in_transaction:
                scard.SCardEndTransaction(self._handle, scard.SCARD_LEAVE_CARD)
            # Reset so no selected application or verified PIN outlives this session.
            scard.SCardDisconnect(self._handle, scard.SCARD_RESET_CARD)
            self._handle = None
        if self._ctx is not None:
            release_context(self._ctx)
            self._ctx = None
