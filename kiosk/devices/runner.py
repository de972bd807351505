"""Runs one device on its own thread: a job queue, an idle task (polling), and supervision.

Pure Python (threads, no Qt) so the technician CLI and tests use the same code as the app;
:mod:`kiosk.devices.qtbridge` turns its callbacks into Qt signals for the UI.

- ``submit(fn)`` queues ``fn(token) -> Completion`` on the device thread and returns a
  :class:`Job` whose ``result()`` waits for the completion. A job that outlives its timeout has its
  token cancelled and ends as ``Outcome.TIMEOUT``.
- ``set_idle_task(fn)`` runs ``fn(token)`` whenever no job is waiting (the ID-card poll loop,
  printer status polling); it returns how long to wait before the next call.
- Supervision: while the device is closed or reports noDevice/offline, the runner reopens it with
  exponential backoff and full jitter, and logs each attempt from the status change.
"""

from __future__ import annotations

import itertools
import logging
import queue
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from kiosk.devices.base import (
    CancelToken,
    Completion,
    Device,
    DeviceEvent,
    DeviceState,
    DeviceStatus,
    Outcome,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

IdleTask = Callable[[CancelToken], float]


@dataclass
class Backoff:
    """Exponential backoff with full jitter: delay = uniform(0, min(cap, base * 2**attempt))."""

    base_s: float = 0.5
    cap_s: float = 30.0
    attempt: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        ceiling = min(self.cap_s, self.base_s * (2 ** min(self.attempt, 30)))
        self.attempt += 1
        return self.rng.uniform(0, ceiling)

    def reset(self) -> None:
        self.attempt = 0


class Job(Generic[T]):
    _ids = itertools.count(1)

    def __init__(self, fn: Callable[[CancelToken], Completion[T]], timeout_s: float | None,
                 label: str) -> None:
        self.id = next(Job._ids)
        self.fn = fn
        self.timeout_s = timeout_s
        self.label = label
        self.token = CancelToken()
        self.timed_out = False
        self._done = threading.Event()
        self._completion: Completion[T] | None = None

    def cancel(self) -> None:
        self.token.cancel()

    def result(self, wait_s: float | None = None) -> Completion[T]:
        if not self._done.wait(wait_s):
            return Completion.failure(Outcome.TIMEOUT, detail=f"{self.label}: no completion in {wait_s}s")
        assert self._completion is not None
        return self._completion

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def _finish(self, completion: Completion[T]) -> None:
        self._completion = completion
        self._done.set()


class DeviceRunner:
    def __init__(self, device: Device, *, supervise: bool = True, backoff: Backoff | None = None) -> None:
        self.device = device
        self.name = device.name
        self.supervise = supervise
        self.backoff = backoff or Backoff()
        self._jobs: queue.Queue[Job[Any] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._idle_task: IdleTask | None = None
        self._idle_token = CancelToken()
        self._job_listeners: list[Callable[[Job[Any], Completion[Any]], None]] = []
        self._opened = False
        self._next_open_at = 0.0

    # --- listeners -------------------------------------------------------------------------
    def on_job_finished(self, listener: Callable[[Job[Any], Completion[Any]], None]) -> None:
        self._job_listeners.append(listener)

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"device-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._idle_token.cancel()
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning("device thread did not stop in time", extra={"fields": {"device": self.name}})
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- work ------------------------------------------------------------------------------
    def submit(self, fn: Callable[[CancelToken], Completion[T]], *, timeout_s: float | None = None,
               label: str = "command") -> Job[T]:
        job: Job[T] = Job(fn, timeout_s, label)
        self._idle_token.cancel()  # interrupt a poll wait so the job starts promptly
        self._jobs.put(job)
        return job

    def set_idle_task(self, task: IdleTask | None) -> None:
        self._idle_task = task
        self._idle_token.cancel()

    # --- the device thread -------------------------------------------------------------------
    def _run(self) -> None:
        import time

        while not self._stop.is_set():
            if self.supervise and not self._opened and time.monotonic() >= self._next_open_at:
                self._try_open()
            timeout = 0.05
            if self._opened and self._idle_task is not None and self._jobs.empty():
                self._idle_token = CancelToken()
                try:
                    timeout = max(0.0, self._idle_task(self._idle_token))
                except Exception:
                    log.exception("idle task failed", extra={"fields": {"device": self.name}})
                    timeout = 1.0
                if self._needs_reopen():
                    self._mark_closed()
            elif not self._opened:
                timeout = max(0.05, self._next_open_at - time.monotonic())
            try:
                job = self._jobs.get(timeout=min(timeout, 1.0))
            except queue.Empty:
                continue
            if job is None:
                break
            self._execute(job)
        try:
            self.device.close()
        except Exception:
            log.exception("device close failed", extra={"fields": {"device": self.name}})

    def _execute(self, job: Job[Any]) -> None:
        timer: threading.Timer | None = None
        if job.timeout_s is not None:
            def expire() -> None:
                job.timed_out = True
                job.token.cancel()
            timer = threading.Timer(job.timeout_s, expire)
            timer.daemon = True
            timer.start()
        try:
            if not self._opened and self.supervise:
                self._try_open()
            completion: Completion[Any] = job.fn(job.token)
        except Exception as e:  # a driver bug: report it as a hardware error, keep the thread alive
            log.exception("device command crashed", extra={"fields": {"device": self.name, "job": job.label}})
            completion = Completion.failure(Outcome.HARDWARE_ERROR, detail=f"{type(e).__name__}")
        finally:
            if timer is not None:
                timer.cancel()
        if job.timed_out and completion.outcome is Outcome.CANCELED:
            completion = Completion.failure(Outcome.TIMEOUT, completion.error_code,
                                            completion.message_key, f"{job.label}: timed out")
        job._finish(completion)
        if self._needs_reopen():
            self._mark_closed()
        for listener in list(self._job_listeners):
            listener(job, completion)

    def _needs_reopen(self) -> bool:
        return self.supervise and self.device.status.state in (DeviceState.NO_DEVICE,)

    def _mark_closed(self) -> None:
        import time

        try:
            self.device.close()
        except Exception:
            log.exception("device close failed", extra={"fields": {"device": self.name}})
        self._opened = False
        self._next_open_at = time.monotonic() + self.backoff.next_delay()

    def _try_open(self) -> None:
        import time

        try:
            result = self.device.open()
        except Exception as e:
            log.exception("device open crashed", extra={"fields": {"device": self.name}})
            result = Completion.failure(Outcome.HARDWARE_ERROR, detail=type(e).__name__)
        if result.ok:
            self._opened = True
            self.backoff.reset()
            return
        delay = self.backoff.next_delay()
        self._next_open_at = time.monotonic() + delay
        log.info("device open failed; retrying", extra={"fields": {
            "device": self.name, "outcome": str(result.outcome), "error_code": result.error_code,
            "retry_in_s": round(delay, 2), "attempt": self.backoff.attempt}})


def log_status_changes(device_name: str) -> Callable[[DeviceStatus, dict[str, tuple[Any, Any]]], None]:
    """A status listener that logs what changed (the log line is derived from the change)."""
    dlog = logging.getLogger(f"kiosk.devices.{device_name}")

    def listener(status: DeviceStatus, changes: dict[str, tuple[Any, Any]]) -> None:
        level = logging.WARNING if status.state not in (DeviceState.ONLINE, DeviceState.BUSY) else logging.INFO
        dlog.log(level, "status changed", extra={"fields": {
            "device": device_name, "state": str(status.state), "error_code": status.error_code,
            "changes": {k: [str(a), str(b)] for k, (a, b) in changes.items()}}})

    return listener


def log_event(device_name: str) -> Callable[[DeviceEvent], None]:
    dlog = logging.getLogger(f"kiosk.devices.{device_name}")

    def listener(event: DeviceEvent) -> None:
        dlog.info("event %s", event.kind, extra={"fields": {"device": device_name, **dict(event.summary)}})

    return listener


def supervised_runner(device: Device, idle_task: IdleTask | None = None, *,
                      backoff: Backoff | None = None, start: bool = True) -> DeviceRunner:
    """The usual runner for a device: its own thread, reopen with backoff on loss, the idle task
    (polling), and every status change and event logged from the change itself."""
    runner = DeviceRunner(device, backoff=backoff)
    holder = getattr(device, "status_holder", None)
    if holder is not None:
        holder.on_status(log_status_changes(device.name))
        holder.on_event(log_event(device.name))
    runner.set_idle_task(idle_task)
    if start:
        runner.start()
    return runner
