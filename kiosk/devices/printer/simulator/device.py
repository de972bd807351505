"""A receipt printer on a real serial link (a pty pair), paced at the baud rate.

Three threads, like a printer's firmware:

- *receiver*: takes bytes off the wire no faster than the baud rate allows, answers real-time
  status requests (DLE EOT n) the moment they arrive — even while offline or out of paper — and
  puts everything in the receive buffer;
- *engine*: interprets the buffer (:mod:`.interpreter`); it stops while the printer cannot print
  (paper out, cover open, offline, cutter error) and runs slowly in the "slow" state; GS r 1 is
  answered when the engine gets to it, which is what makes it a "job finished" fence;
- *renderer*: draws each cut page to a PNG (:mod:`.render`) off the engine's path.

The control API (``set_paper``, ``set_cover_open`` … ``fault_after``) is what tests and the
dev dock use.
"""

from __future__ import annotations

import logging
import os
import queue
import select
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from kiosk.devices.printer.profiles import PrinterProfile
from kiosk.devices.printer.simulator.interpreter import EscPosInterpreter, Page
from kiosk.devices.printer.simulator.render import render_page

log = logging.getLogger(__name__)

PaperState = Literal["ok", "near_end", "out"]
WIRE_SLACK_S = 0.003
RX_BLOCK = 256  # bytes taken off the wire per wake-up (22 ms at 115200 baud)


def _sleep_until(t: float) -> None:
    delay = t - time.monotonic()
    if delay > 0:
        time.sleep(delay)


@dataclass(frozen=True)
class SimState:
    paper: PaperState = "ok"
    cover_open: bool = False
    offline: bool = False  # e.g. the feed button held, or a paper-feed error
    cutter_error: bool = False
    slow_factor: float = 1.0  # >1: the print engine runs this many times slower than the wire
    powered: bool = True  # False: bytes vanish, nothing answers (unplugged / switched off)
    # Answers reach the host this much later (a congested USB-serial adapter, a loaded host):
    # each still says what the printer's state was when it answered, and they stay in order.
    reply_delay_s: float = 0.0

    @property
    def halted(self) -> bool:
        return self.paper == "out" or self.cover_open or self.offline or self.cutter_error

    def as_dict(self) -> dict[str, Any]:
        return {"paper": self.paper, "cover_open": self.cover_open, "offline": self.offline,
                "cutter_error": self.cutter_error, "slow_factor": self.slow_factor, "powered": self.powered,
                "reply_delay_s": self.reply_delay_s}


def status_reply(state: SimState, n: int, *, dle_eot_3: bool) -> bytes:
    """The byte a printer in ``state`` answers to DLE EOT n (empty when it does not answer)."""
    if not state.powered:
        return b""
    b = 0x12
    if n == 1:
        if state.halted:
            b |= 0x08
    elif n == 2:
        if state.cover_open:
            b |= 0x04
        if state.paper == "out":
            b |= 0x20
        if state.cutter_error:
            b |= 0x40
    elif n == 3:
        if not dle_eot_3:
            return b""
        if state.cutter_error:
            b |= 0x08 | 0x40
    elif n == 4:
        if state.paper in ("near_end", "out"):
            b |= 0x0C
        if state.paper == "out":
            b |= 0x60
    else:
        return b""
    return bytes((b,))


def fence_reply(state: SimState) -> bytes:
    b = 0
    if state.paper in ("near_end", "out"):
        b |= 0x03
    if state.paper == "out":
        b |= 0x0C
    return bytes((b,))


@dataclass
class SimReceipt:
    index: int
    lines: list[str]
    qr_payloads: list[bytes]
    cut: str
    wrapped_lines: int
    png: Path | None
    page: Page = field(repr=False)


@dataclass
class _ScheduledFault:
    after_bytes: int
    changes: dict[str, Any]


class PrinterSimulator:
    def __init__(self, profile: PrinterProfile, *, baudrate: int = 115200, output_dir: Path | None = None,
                 receive_buffer: int = 16384, render: bool = True) -> None:
        self.profile = profile
        self.baudrate = baudrate
        self.output_dir = output_dir
        self.render = render and output_dir is not None
        self.receive_buffer = receive_buffer
        self._state = SimState()
        self._lock = threading.Condition()
        self._buffer = bytearray()
        self._master = -1
        self._slave = -1
        self._port = ""
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._write_lock = threading.Lock()
        self._render_q: queue.Queue[Page | None] = queue.Queue()
        self._late: queue.Queue[tuple[float, bytes] | None] = queue.Queue()
        self._late_until = 0.0
        self._cut_pages: list[Page] = []
        self._receipts: list[SimReceipt] = []
        self._receipt_cv = threading.Condition()
        self._faults: list[_ScheduledFault] = []
        self._listeners: list[Callable[[SimReceipt], None]] = []
        self._state_listeners: list[Callable[[SimState], None]] = []
        self.bytes_received = 0
        self.bytes_processed = 0
        self.status_queries = 0
        self.interpreter = EscPosInterpreter(profile.encoding, profile.dots, on_cut=self._on_cut,
                                             on_fence=self._on_fence, chinese_mode_at_boot=True)

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def port(self) -> str:
        """The serial device path the driver opens (the pty's slave side)."""
        return self._port

    def start(self) -> PrinterSimulator:
        if self._threads:
            return self
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no CR/LF translation: a pty that behaves like a wire
        self._port = os.ttyname(self._slave)
        self._stop.clear()
        for target, name in ((self._receiver, "rx"), (self._engine, "engine"), (self._renderer, "render"),
                             (self._late_sender, "late")):
            t = threading.Thread(target=target, name=f"printer-sim-{name}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
        self._render_q.put(None)
        self._late.put(None)
        for t in self._threads:
            t.join(2.0)
        self._threads = []
        for fd in (self._master, self._slave):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = -1

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- control API (tests, dev dock) --------------------------------------------------------
    @property
    def state(self) -> SimState:
        return self._state

    def set_state(self, **changes: Any) -> SimState:
        with self._lock:
            self._state = replace(self._state, **changes)
            self._lock.notify_all()
            state = self._state
        for listener in list(self._state_listeners):
            listener(state)
        return state

    def set_paper(self, paper: PaperState) -> SimState:
        return self.set_state(paper=paper)

    def set_cover_open(self, on: bool) -> SimState:
        return self.set_state(cover_open=on)

    def set_offline(self, on: bool) -> SimState:
        return self.set_state(offline=on)

    def set_cutter_error(self, on: bool) -> SimState:
        return self.set_state(cutter_error=on)

    def set_slow(self, factor: float) -> SimState:
        return self.set_state(slow_factor=max(1.0, factor))

    def set_powered(self, on: bool) -> SimState:
        return self.set_state(powered=on)

    def reset_faults(self) -> SimState:
        with self._lock:
            self._faults.clear()
        return self.set_state(paper="ok", cover_open=False, offline=False, cutter_error=False,
                              slow_factor=1.0, powered=True)

    def fault_after(self, after_bytes: int, **changes: Any) -> None:
        """Apply ``changes`` once the engine has processed ``after_bytes`` more bytes (mid-job faults)."""
        with self._lock:
            self._faults.append(_ScheduledFault(self.bytes_processed + after_bytes, changes))

    def inject_noise(self, data: bytes) -> None:
        """Put stray bytes on the line towards the driver (a late reply, line noise)."""
        self._reply(data)

    def on_receipt(self, listener: Callable[[SimReceipt], None]) -> None:
        self._listeners.append(listener)

    def on_state(self, listener: Callable[[SimState], None]) -> None:
        self._state_listeners.append(listener)

    @property
    def receipts(self) -> list[SimReceipt]:
        with self._receipt_cv:
            return list(self._receipts)

    @property
    def last_receipt(self) -> SimReceipt | None:
        with self._receipt_cv:
            return self._receipts[-1] if self._receipts else None

    def tear_off(self) -> list[SimReceipt]:
        """Take the printed slips out of the simulator's history (the last 100 are kept)."""
        with self._receipt_cv:
            slips, self._receipts = self._receipts, []
        return slips

    def wait_for_receipts(self, count: int, timeout_s: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._receipt_cv:
            while len(self._receipts) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._receipt_cv.wait(left)
        return True

    @property
    def pending_lines(self) -> list[str]:
        """Text of the page being printed (no cut yet)."""
        return self.interpreter.page.lines

    # --- threads -------------------------------------------------------------------------------
    def _reply(self, data: bytes) -> None:
        if not data or self._master < 0:
            return
        with self._write_lock:
            try:
                os.write(self._master, data)
            except OSError:
                pass

    def _answer_host(self, data: bytes) -> None:
        """An answer to the host: at once, or through the delay line (in order) when late."""
        with self._write_lock:
            now = time.monotonic()
            delay = self._state.reply_delay_s
            if delay <= 0 and now >= self._late_until:
                late = False
            else:
                late = True
                self._late_until = max(now + delay, self._late_until)
                self._late.put((self._late_until, data))
        if not late:
            self._reply(data)

    def _late_sender(self) -> None:
        while True:
            item = self._late.get()
            if item is None:
                return
            due, data = item
            _sleep_until(due)
            self._reply(data)

    def _receiver(self) -> None:
        byte_time = 10.0 / self.baudrate  # 8N1: ten bit times a byte
        wire_clock = time.monotonic()
        tail = b""
        while not self._stop.is_set():
            with self._lock:
                space = self.receive_buffer - len(self._buffer)
            if space <= 0:  # buffer full: stop taking bytes off the wire (flow control)
                time.sleep(0.002)
                continue
            try:
                ready, _, _ = select.select([self._master], [], [], 0.05)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                data = os.read(self._master, min(RX_BLOCK, space))
            except OSError:
                time.sleep(0.01)  # no one has the slave open (EIO): wait for the driver
                continue
            # The line was busy if these bytes were already waiting: continue from the previous
            # byte's end (absorbing our own sleep overshoot) instead of restarting the clock now.
            start = max(wire_clock, time.monotonic() - WIRE_SLACK_S)
            wire_clock = start + len(data) * byte_time
            if not self._state.powered:
                tail = b""
                _sleep_until(wire_clock)
                continue
            # Counted before any answer goes out, so a reader of the counters never sees an
            # answered status request whose bytes are not counted yet.
            self.bytes_received += len(data)
            scan = tail + data
            pending: list[int] = []  # back-to-back requests are answered together, at the last one
            last = -10
            for i in range(len(tail), len(scan)):
                if i >= 2 and scan[i - 2] == 0x10 and scan[i - 1] == 0x04:
                    if pending and i - last > 3:
                        self._answer(pending, start + (last - len(tail) + 1) * byte_time)
                        pending = []
                    pending.append(scan[i])
                    last = i
            if pending:
                self._answer(pending, start + (last - len(tail) + 1) * byte_time)
            tail = scan[-2:]
            _sleep_until(wire_clock)
            with self._lock:
                self._buffer += data
                self._lock.notify_all()

    def _answer(self, ns: list[int], due: float) -> None:
        """Real-time requests are answered the moment their last byte is in, wherever they stand."""
        _sleep_until(due)
        self.status_queries += len(ns)
        state = self._state
        self._answer_host(b"".join(status_reply(state, n, dle_eot_3=self.profile.dle_eot_3) for n in ns))

    def _engine(self) -> None:
        byte_time = 10.0 / self.baudrate
        while not self._stop.is_set():
            with self._lock:
                while not self._stop.is_set() and (not self._buffer or self._state.halted
                                                   or not self._state.powered):
                    self._lock.wait(0.1)
                if self._stop.is_set():
                    return
                take = min(len(self._buffer), 256)
                if self._faults:
                    nearest = min(f.after_bytes for f in self._faults) - self.bytes_processed
                    take = max(1, min(take, nearest)) if nearest > 0 else 0
                chunk = bytes(self._buffer[:take])
                del self._buffer[:take]
                slow = self._state.slow_factor
            if chunk:
                self.interpreter.feed(chunk)
                self.bytes_processed += len(chunk)
                # Pages cut in this chunk go to the renderer only now, after any GS r reply in
                # the same chunk went out: drawing must not delay the printer's answers.
                for page in self._cut_pages:
                    self._render_q.put(page)
                self._cut_pages.clear()
            self._apply_due_faults()
            if slow > 1.0 and chunk:
                time.sleep(len(chunk) * byte_time * slow)

    def _apply_due_faults(self) -> None:
        with self._lock:
            due = [f for f in self._faults if f.after_bytes <= self.bytes_processed]
            self._faults = [f for f in self._faults if f.after_bytes > self.bytes_processed]
        for f in due:
            self.set_state(**f.changes)

    def _on_fence(self, n: int) -> None:
        if n in (1, 49):
            self._answer_host(fence_reply(self._state))
        elif n in (2, 50):
            self._answer_host(b"\x00")

    def _on_cut(self, page: Page) -> None:
        self._cut_pages.append(page)

    def _renderer(self) -> None:
        index = 0
        while True:
            page = self._render_q.get()
            if page is None:
                return
            index += 1
            png: Path | None = None
            if self.render and self.output_dir is not None:
                png = self.output_dir / f"receipt-{os.getpid()}-{id(self):x}-{index:04d}.png"
                try:
                    render_page(page, self.profile.dots, png)
                except Exception:
                    log.exception("receipt render failed")
                    png = None
            receipt = SimReceipt(index, page.lines, page.qr_payloads, page.cut, page.wrapped_lines, png, page)
            with self._receipt_cv:
                self._receipts.append(receipt)
                del self._receipts[:-100]
                self._receipt_cv.notify_all()
            for listener in list(self._listeners):
                try:
                    listener(receipt)
                except Exception:
                    log.exception("receipt listener failed")
