"""Qt face of the queue: worker callbacks become signals; enqueue runs off the UI thread.

Signals are emitted from the sync thread (or the enqueue pool); receivers on the UI thread get
them queued (AutoConnection), so no slot ever touches SQLite or the network on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from kiosk.offline.store import ApplicationInput, EnqueueResult, OfflineQueue
from kiosk.offline.sync import SyncWorker
from kiosk.qt import QObject, Signal


class QueueBridge(QObject):
    queueChanged = Signal(int, float)  # depth, oldest item age in seconds (0 when empty)
    deliveryCompleted = Signal(str, str)  # application id, case number
    deadLettered = Signal(str, str)  # application id, error code
    networkStateChanged = Signal(bool)  # platform reachable
    catalogueUpdated = Signal(str)  # catalogue version
    diskAlarm = Signal(bool)
    enqueueFinished = Signal(object)  # EnqueueResult

    def __init__(self, worker: SyncWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="queue-enqueue")
        ls = worker.listeners
        ls.queue_changed.append(self.queueChanged.emit)
        ls.delivered.append(self.deliveryCompleted.emit)
        ls.dead_lettered.append(self.deadLettered.emit)
        ls.network_state.append(self.networkStateChanged.emit)
        ls.catalogue_updated.append(self.catalogueUpdated.emit)
        ls.disk_alarm.append(self.diskAlarm.emit)

    def enqueue(self, app: ApplicationInput,
                done: Callable[[EnqueueResult], None] | None = None) -> Future[EnqueueResult]:
        """Durable enqueue on a worker thread; ``enqueueFinished`` carries the result."""
        def job() -> EnqueueResult:
            result = self.worker.queue.enqueue(app)
            if result.ok:
                self.worker.notify_enqueued()
            self.enqueueFinished.emit(result)
            if done is not None:
                done(result)
            return result
        return self._pool.submit(job)

    @property
    def queue(self) -> OfflineQueue:
        return self.worker.queue

    def sync_now(self) -> None:
        self.worker.sync_now()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
