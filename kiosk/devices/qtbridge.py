"""Qt face of a :class:`~kiosk.devices.runner.DeviceRunner`: its callbacks become signals.

Signals are emitted from the device thread; the receivers live on the UI thread, so Qt queues
them (AutoConnection) and no slot ever runs device I/O on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from kiosk.devices.base import CancelToken, Completion, DeviceEvent, DeviceStatus
from kiosk.devices.runner import DeviceRunner, Job
from kiosk.qt import QObject, Signal

T = TypeVar("T")


class DeviceBridge(QObject):
    statusChanged = Signal(object, object)  # DeviceStatus, {field: (old, new)}
    eventOccurred = Signal(object)  # DeviceEvent
    jobFinished = Signal(int, object)  # job id, Completion

    def __init__(self, runner: DeviceRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        holder = getattr(runner.device, "status_holder", None)
        if holder is not None:
            holder.on_status(self._status)
            holder.on_event(self._event)
        runner.on_job_finished(lambda job, completion: self.jobFinished.emit(job.id, completion))

    def _status(self, status: DeviceStatus, changes: dict[str, tuple[Any, Any]]) -> None:
        self.statusChanged.emit(status, changes)

    def _event(self, event: DeviceEvent) -> None:
        self.eventOccurred.emit(event)

    def submit(self, fn: Callable[[CancelToken], Completion[T]], *, timeout_s: float | None = None,
               label: str = "command") -> Job[T]:
        return self.runner.submit(fn, timeout_s=timeout_s, label=label)
