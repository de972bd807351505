"""Crash-test zygote: imports everything once, then forks one kiosk process per command.

stdin:  ``run <seed>`` → forks a child that opens the queue (recovery), starts the sync worker and
        enqueues small applications as fast as it can, appending ``<application id>\\n`` to the
        ACK file after each enqueue returned (= what a citizen would have been told was accepted);
        ``quit``.
stdout: ``pid <n>`` after the fork, ``exit <status>`` once the child is gone (the test kills it
        with SIGKILL in between).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

from kiosk.offline.backoff import RetryPolicy
from kiosk.offline.store import ApplicationInput, Attachment, OfflineQueue
from kiosk.offline.sync import SyncSchedule, SyncWorker
from kiosk.platform import crypto
from kiosk.platform.client import PlatformClient, Timeouts
from kiosk.platform.keys import PlatformPublicKeys


def child(cfg: dict[str, str], seed: int) -> None:
    rng = random.Random(seed)
    data = Path(cfg["data_dir"])
    q = OfflineQueue(data / "queue.sqlite3", data / "files", data / "queue.lock",
                     terminal_id=cfg["terminal_id"], region_code="310104",
                     encryption_key_b64=cfg["encryption"],
                     policy=RetryPolicy(0.01, 0.05, 1))
    report = q.open()
    with open(data / "recoveries.jsonl", "a") as f:
        f.write(json.dumps(report.__dict__) + "\n")
    client = PlatformClient(cfg["base_url"], cfg["terminal_id"],
                            crypto.load_signing_key(crypto.b64d(cfg["terminal_key"])),
                            PlatformPublicKeys(cfg["signing"], cfg["encryption"]),
                            Timeouts(1, 3, 3))
    worker = SyncWorker(q, client, schedule=SyncSchedule(0.02, 3600, 3600, 4096))
    worker._next_catalogue = worker._next_heartbeat = time.time() + 3600
    worker.start()
    ack = os.open(data / "acks.txt", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    n = 0
    while True:
        atts = []
        if rng.random() < 0.3:
            atts.append(Attachment("a.bin", "application/octet-stream", os.urandom(6000)))
        app = ApplicationInput("jumin_juzhuzheng", "crash-1",
                               {"name": "王秀英", "id_number": cfg["id_number"]},
                               {"n": n, "seed": seed}, atts, "居住证办理", str(uuid.uuid4()))
        r = q.enqueue(app)
        if r.ok:
            os.write(ack, f"{r.application_id}\n".encode())
            worker.notify_enqueued()
        n += 1
        time.sleep(rng.uniform(0.005, 0.04))  # leave the worker time to sync


def warm_up(cfg: dict[str, str]) -> None:
    """Run the code paths once in a scratch queue so SQLAlchemy's mapper set-up and statement
    caches are built before forking (the children then start in milliseconds). No thread is
    left running: forking with threads would be unsafe."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        q = OfflineQueue(d / "q.sqlite3", d / "f", d / "l", terminal_id="warm",
                         region_code="310104", encryption_key_b64=cfg["encryption"])
        q.open()
        q.enqueue(ApplicationInput("warm", "1", {"name": "x", "id_number": "0"}, {},
                                   [Attachment("a", "b", b"x")]))
        claim = q.claim_next()
        assert claim is not None
        q.read_blob(claim.attachments[0][1])
        q.record_delivered(claim, "C", {}, "s")
        q.stats()
        q.close()


def main() -> None:
    cfg = json.loads(sys.argv[1])
    warm_up(cfg)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            return
        seed = int(cmd[1])
        pid = os.fork()
        if pid == 0:
            try:
                child(cfg, seed)
            except BaseException:
                import traceback

                traceback.print_exc()
                sys.stderr.flush()
            os._exit(1)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"exit {status}", flush=True)


if __name__ == "__main__":
    main()
