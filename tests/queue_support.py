"""Shared helpers of the queue/platform tests: a real reference platform, kiosk-side objects."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.offline.backoff import RetryPolicy
from kiosk.offline.store import ApplicationInput, Attachment, OfflineQueue
from kiosk.offline.sync import SyncSchedule, SyncWorker
from kiosk.platform import crypto
from kiosk.platform.client import PlatformClient, Timeouts
from kiosk.platform.keys import PlatformPublicKeys
from platform_server.demo_data import DEMO_PEOPLE, with_check_digit
from platform_server.runner import PlatformHandle

PERSON_NAME = DEMO_PEOPLE[1][0]  # 王秀英
PERSON_ID = with_check_digit(DEMO_PEOPLE[1][1])
TEST_TIMEOUTS = Timeouts(2, 5, 5)
FAST_POLICY = RetryPolicy(base_s=0.05, cap_s=0.4, max_retry_after_s=5)


@dataclass
class Kiosk:
    queue: OfflineQueue
    client: PlatformClient
    worker: SyncWorker
    key: Ed25519PrivateKey

    def close(self) -> None:
        self.worker.stop()
        self.client.close()
        self.queue.close()


def platform_keys(handle: PlatformHandle) -> PlatformPublicKeys:
    return PlatformPublicKeys(handle.signing_public_key, handle.encryption_public_key)


def make_client(handle: PlatformHandle, base_url: str | None = None, terminal_id: str = "T-TEST",
                key: Ed25519PrivateKey | None = None, timeouts: Timeouts = TEST_TIMEOUTS
                ) -> tuple[PlatformClient, Ed25519PrivateKey]:
    key = key or crypto.new_signing_key()
    handle.register_terminal(terminal_id, crypto.b64e(crypto.public_bytes(key)))
    return PlatformClient(base_url or handle.base_url, terminal_id, key, platform_keys(handle),
                          timeouts), key


def make_queue(directory: Path, handle: PlatformHandle, policy: RetryPolicy = FAST_POLICY,
               **kw: object) -> OfflineQueue:
    return OfflineQueue(directory / "queue.sqlite3", directory / "files", directory / "queue.lock",
                        terminal_id="T-TEST", region_code="310104",
                        encryption_key_b64=handle.encryption_public_key, policy=policy,
                        **kw)  # type: ignore[arg-type]


def make_kiosk(directory: Path, handle: PlatformHandle, base_url: str | None = None,
               timeouts: Timeouts = TEST_TIMEOUTS, chunk_bytes: int = 64 * 1024,
               policy: RetryPolicy = FAST_POLICY) -> Kiosk:
    q = make_queue(directory, handle, policy)
    q.open()
    terminal_id = "T-" + uuid.uuid4().hex[:8]
    client, key = make_client(handle, base_url, terminal_id, timeouts=timeouts)
    worker = SyncWorker(q, client, schedule=SyncSchedule(0.05, 3600, 3600, chunk_bytes),
                        policy=policy)
    return Kiosk(q, client, worker, key)


def application(n: int = 0, attachment_bytes: int = 0, name: str = PERSON_NAME,
                id_number: str = PERSON_ID, image: bytes | None = None) -> ApplicationInput:
    atts = []
    if image is not None:
        atts.append(Attachment("face.jpg", "image/jpeg", image))
    if attachment_bytes:
        atts.append(Attachment("doc.bin", "application/octet-stream",
                               bytes((n + i) % 251 for i in range(attachment_bytes))))
    return ApplicationInput(item_id="jumin_juzhuzheng", catalogue_version="test-1",
                            applicant={"name": name, "id_number": id_number,
                                       "address": "上海市徐汇区漕溪北路100号"},
                            answers={"reason": "工作", "n": n}, attachments=atts,
                            item_title="居住证办理", application_id=str(uuid.uuid4()))


def drain(worker: SyncWorker, timeout_s: float = 20.0) -> None:
    """Run the worker in the foreground until the queue is empty (waiting out backoff)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if worker.queue.stats().depth == 0:
            worker.queue.flush_deletes()
            return
        wait = worker.step()
        if wait > 0:
            time.sleep(min(wait, 0.2))
    raise AssertionError(f"queue not drained: {worker.queue.stats()}")
