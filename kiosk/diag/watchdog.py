"""UI-thread stall watchdog: a heartbeat timer on the UI thread and a monitor thread.

The heartbeat (a precise ``QTimer`` every ``heartbeat_ms``) stamps the time; the gap between two
beats beyond the heartbeat interval is how long the UI thread could not answer a touch. A gap over
``stall_ms`` is recorded as a :class:`Stall` (with its wall-clock timestamp) when the beat comes
back. The monitor thread covers the case where it never comes back: it notices an open gap over
the limit, logs "ui stall ongoing" once, and reports it through :meth:`UiWatchdog.ongoing_ms`.

Tests create one around the code under test (``with UiWatchdog(stall_ms=50) as wd: ...``, then
``wd.stalls``); the app starts one when ``watchdog.enabled`` is set (a log line per stall).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from kiosk.qt import Qt, QTimer

log = logging.getLogger("kiosk.watchdog")


@dataclass(frozen=True)
class Stall:
    started_at: float  # wall clock (time.time()) of the last beat before the stall
    gap_ms: float  # beat-to-beat gap minus the heartbeat interval


class UiWatchdog:
    def __init__(self, stall_ms: float = 50.0, heartbeat_ms: int = 10, *, log_stalls: bool = False) -> None:
        self.stall_ms = stall_ms
        self.heartbeat_ms = heartbeat_ms
        self.log_stalls = log_stalls
        self.stalls: list[Stall] = []
        self.beats = 0
        self.max_gap_ms = 0.0
        self._lock = threading.Lock()
        self._last = time.monotonic()
        self._stop = threading.Event()
        self._monitor: threading.Thread | None = None
        self._ongoing_logged = False
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(heartbeat_ms)
        self._timer.timeout.connect(self._beat)

    # --- lifecycle (call start/stop on the UI thread) -----------------------------------------
    def start(self) -> UiWatchdog:
        with self._lock:
            self._last = time.monotonic()
        self._stop.clear()
        self._timer.start()
        self._monitor = threading.Thread(target=self._watch, name="ui-watchdog", daemon=True)
        self._monitor.start()
        return self

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()
        if self._monitor is not None:
            self._monitor.join(1.0)
            self._monitor = None

    def __enter__(self) -> UiWatchdog:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        with self._lock:
            self.stalls.clear()
            self.max_gap_ms = 0.0
            self.beats = 0
            self._last = time.monotonic()

    # --- results --------------------------------------------------------------------------
    def worst_ms(self) -> float:
        """The longest gap seen so far, including one still open."""
        return max(self.max_gap_ms, self.ongoing_ms())

    def ongoing_ms(self) -> float:
        with self._lock:
            return max(0.0, (time.monotonic() - self._last) * 1000 - self.heartbeat_ms)

    def over(self, budget_ms: float) -> list[Stall]:
        with self._lock:
            return [s for s in self.stalls if s.gap_ms > budget_ms]

    # --- internals ------------------------------------------------------------------------
    def _beat(self) -> None:  # UI thread
        now = time.monotonic()
        with self._lock:
            gap = (now - self._last) * 1000 - self.heartbeat_ms
            last = self._last
            self._last = now
            self.beats += 1
            self.max_gap_ms = max(self.max_gap_ms, gap)
            self._ongoing_logged = False
            if gap <= self.stall_ms:
                return
            stall = Stall(time.time() - (now - last), round(gap, 1))
            self.stalls.append(stall)
        if self.log_stalls:
            log.warning("ui stall", extra={"fields": {"gap_ms": stall.gap_ms, "limit_ms": self.stall_ms}})

    def _watch(self) -> None:  # monitor thread: a UI thread that never comes back
        period = max(self.heartbeat_ms, self.stall_ms / 2) / 1000
        while not self._stop.wait(period):
            gap = self.ongoing_ms()
            with self._lock:
                report = gap > max(self.stall_ms * 4, 200) and not self._ongoing_logged
                if report:
                    self._ongoing_logged = True
            if report and self.log_stalls:
                log.warning("ui stall ongoing", extra={"fields": {"gap_ms": round(gap, 1)}})
