"""Child of tests/test_queue_purge.py: delivers one queued application to the platform with the
janitor held inside its durability sync (so the delivered item's blob is never deleted), prints
``delivered`` and SIGKILLs itself.

argv: a JSON object with data_dir, terminal_id, terminal_key, base_url, signing, encryption.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path

from kiosk.offline.store import OfflineQueue
from kiosk.offline.sync import SyncWorker
from kiosk.platform import crypto
from kiosk.platform.client import PlatformClient, Timeouts
from kiosk.platform.keys import PlatformPublicKeys


def main() -> None:
    cfg = json.loads(sys.argv[1])
    data = Path(cfg["data_dir"])
    real_fsync = os.fsync
    held = threading.Event()

    def fsync(fd: int) -> None:
        if threading.current_thread().name.startswith("queue-janitor"):
            held.set()
            threading.Event().wait()  # never returns: the files are never deleted
        real_fsync(fd)

    os.fsync = fsync
    q = OfflineQueue(data / "queue.sqlite3", data / "files", data / "queue.lock",
                     terminal_id=cfg["terminal_id"], region_code="310104",
                     encryption_key_b64=cfg["encryption"])
    q.open()
    client = PlatformClient(cfg["base_url"], cfg["terminal_id"],
                            crypto.load_signing_key(crypto.b64d(cfg["terminal_key"])),
                            PlatformPublicKeys(cfg["signing"], cfg["encryption"]),
                            Timeouts(2, 5, 5))
    claim = q.claim_next()
    assert claim is not None
    assert SyncWorker(q, client).deliver(claim)
    assert held.wait(10)
    print("delivered", claim.id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main()
