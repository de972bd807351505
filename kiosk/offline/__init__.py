"""The kiosk's durable offline queue and its sync worker (Qt-free core + a thin Qt bridge).

:func:`create_offline_queue` builds and opens the queue from config; :func:`create_sync_worker`
pairs it with a platform client. See :mod:`kiosk.offline.store` for the guarantees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig
from kiosk.offline.backoff import RetryPolicy
from kiosk.offline.store import ApplicationInput, Attachment, EnqueueResult, OfflineQueue, QueueLockedError
from kiosk.offline.sync import CatalogueCache, SyncSchedule, SyncWorker
from kiosk.platform import create_platform_client
from kiosk.platform.client import PlatformClient
from kiosk.platform.crypto import CryptoError
from kiosk.platform.keys import read_platform_keys

__all__ = ["ApplicationInput", "Attachment", "EnqueueResult", "OfflineQueue", "QueueLockedError",
           "QueueServices", "SyncWorker", "create_offline_queue", "create_sync_worker",
           "start_queue_services"]


def build_offline_queue(config: KioskConfig) -> OfflineQueue:
    """The queue object from config, not yet opened."""
    q = config.queue
    pc = config.platform
    try:
        enc: str | None = read_platform_keys(pc.signing_public_key, pc.encryption_public_key,
                                             config.data_path(pc.public_keys_file)).encryption
    except CryptoError:
        enc = None  # enqueue answers QUE-050 until keys are configured; inspection still works
    return OfflineQueue(
        config.data_path(q.database), config.data_path(q.files_dir),
        config.data_path(q.lock_file), terminal_id=config.terminal.id,
        region_code=config.terminal.region_code, encryption_key_b64=enc,
        policy=RetryPolicy(q.backoff_base_s, q.backoff_cap_s, q.max_retry_after_s),
        lease_s=q.lease_s, give_up_after_s=q.give_up_after_s,
        disk_budget_bytes=q.disk_budget_mb * 1024 * 1024, alarm_ratio=q.disk_alarm_ratio,
        min_free_bytes=q.min_free_mb * 1024 * 1024,
        tombstone_retention_s=q.tombstone_retention_days * 86400.0)


def create_offline_queue(config: KioskConfig) -> OfflineQueue:
    """Open the queue (writer lock, migrations, crash recovery); raises QueueLockedError."""
    queue = build_offline_queue(config)
    queue.open()
    return queue

def create_sync_worker(config: KioskConfig, queue: OfflineQueue, client: PlatformClient
                       ) -> SyncWorker:
    q = config.queue
    return SyncWorker(queue, client,
                      schedule=SyncSchedule(q.poll_interval_s, q.catalogue_refresh_s,
                                            q.heartbeat_s, q.chunk_bytes),
                      requests_dir=requests_dir(config),
                      catalogue_cache=CatalogueCache(config.data_path(Path("catalogue"))))


def requests_dir(config: KioskConfig) -> Path:
    """Where ``kiosk-diag`` drops sync/redrive requests for a running kiosk."""
    return config.data_path(Path("queue-requests"))


@dataclass
class QueueServices:
    """Everything the composition root needs for sync: stop() in reverse order on exit."""

    queue: OfflineQueue
    client: PlatformClient
    worker: SyncWorker
    platform: Any = None  # the local reference platform's handle (demo profile) or None
    # Demo: the fault-injecting proxy between kiosk and local platform; the dev dock's platform
    # tab drives it (put it in app.simulators["platform"]).
    faults: Any = None
    bridge: Any = None  # the QueueBridge the app wraps around the worker (UI side)

    def stop(self) -> None:
        self.worker.stop()
        self.queue.close()
        self.client.close()
        if self.faults is not None:
            self.faults.stop()
        if self.platform is not None:
            self.platform.stop()


def start_queue_services(config: KioskConfig,
                         device_health: Callable[[], dict[str, str]] = dict) -> QueueServices:
    """Demo: start the local reference platform first (``platform.start_local``); then the
    platform client, the queue (lock, migrations, recovery) and the sync worker's thread.
    Wrap ``services.worker`` in :class:`kiosk.offline.qtbridge.QueueBridge` for the UI."""
    platform = faults = None
    if config.platform.start_local:
        from kiosk.platform.local import start_for_config
        from platform_server.faultproxy import FaultProxy

        platform = start_for_config(config)
        faults = FaultProxy(platform.port).start()
    client = create_platform_client(config, base_url=faults.base_url if faults else None)
    queue = create_offline_queue(config)
    worker = create_sync_worker(config, queue, client)
    worker.device_health = device_health
    worker.start()
    return QueueServices(queue, client, worker, platform, faults)
