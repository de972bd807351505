"""Crash consistency: SIGKILL a kiosk process at random points while it enqueues and syncs.

A long-lived reference platform runs in this process; a zygote subprocess forks one kiosk per
iteration (so an iteration costs no interpreter start-up), the test kills it after a random
delay. Afterwards: nothing acknowledged lost, nothing duplicated at the platform, no orphaned
file or row, every receipt verifies.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from kiosk.platform import crypto
from platform_server.runner import start_local_platform
from tests.queue_support import PERSON_ID, drain, make_client, make_queue

ITERATIONS = int(os.environ.get("KIOSK_CRASH_ITERATIONS", "210"))
CHILD = Path(__file__).with_name("queue_crash_child.py")
ROOT = Path(__file__).resolve().parent.parent


def acks_written(data: Path) -> int:
    try:
        return (data / "acks.txt").stat().st_size // 37
    except FileNotFoundError:
        return 0


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigkill_at_random_points_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    platform = start_local_platform(tmp_path / "platform")
    try:
        key = crypto.new_signing_key()
        terminal_id = "T-CRASH"
        platform.register_terminal(terminal_id, crypto.b64e(crypto.public_bytes(key)))
        data = tmp_path / "kiosk"
        data.mkdir()
        cfg = {"data_dir": str(data), "terminal_id": terminal_id, "base_url": platform.base_url,
               "terminal_key": crypto.b64e(crypto.private_bytes(key)),
               "signing": platform.signing_public_key,
               "encryption": platform.encryption_public_key, "id_number": PERSON_ID}
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        zygote = subprocess.Popen([sys.executable, str(CHILD), json.dumps(cfg)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env=env, cwd=ROOT)
        assert zygote.stdin is not None and zygote.stdout is not None
        rng = random.Random(20261122)
        killed = 0
        started = time.monotonic()
        try:
            for i in range(ITERATIONS):
                zygote.stdin.write(f"run {i}\n")
                zygote.stdin.flush()
                line = zygote.stdout.readline().split()
                assert line and line[0] == "pid", line
                pid = int(line[1])
                # A random point measured in progress, not time, so a loaded machine still
                # kills amid work: after 0-2 further acknowledgements, plus 0-40 ms.
                wait_for = acks_written(data) + rng.choice([0, 0, 1, 1, 2])
                deadline = time.monotonic() + 5
                while acks_written(data) < wait_for and time.monotonic() < deadline:
                    time.sleep(0.002)
                time.sleep(rng.uniform(0.0, 0.04))
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:  # it died by itself: a bug, reported below
                    pass
                status = zygote.stdout.readline().split()
                assert status[0] == "exit"
                if os.WIFSIGNALED(int(status[1])) and os.WTERMSIG(int(status[1])) == signal.SIGKILL:
                    killed += 1
            zygote.stdin.write("quit\n")
            zygote.stdin.flush()
            zygote.wait(10)
        finally:
            if zygote.poll() is None:
                zygote.kill()
        loop_s = time.monotonic() - started

        acked = [ln for ln in (data / "acks.txt").read_text().split("\n") if len(ln) == 36]
        recoveries = [json.loads(ln) for ln in
                      (data / "recoveries.jsonl").read_text().splitlines()]

        # Final recovery and sync in this process.
        final_started = time.monotonic()
        queue = make_queue(data, platform)
        final = queue.open()
        recoveries.append(final.__dict__)
        client, _ = make_client(platform, terminal_id=terminal_id, key=key)
        from kiosk.offline.sync import SyncSchedule, SyncWorker

        worker = SyncWorker(queue, client, schedule=SyncSchedule(0.05, 3600, 3600, 4096))
        drain(worker, timeout_s=120)

        items = {i["id"]: i for i in queue.items(limit=1_000_000)}
        received = Counter(a["application_id"] for a in platform.applications())
        lost = [a for a in acked if a not in received]
        duplicated = [a for a, n in received.items() if n > 1]
        unknown_at_platform = [a for a in received if a not in items]
        not_delivered = [i for i in items.values() if i["state"] != "purged"]
        orphan_files = list(queue._store.names())
        orphan_rows = queue.file_names()
        bad_receipts = 0
        for app_id in received:
            r = queue.receipt(app_id)
            if r is None or not client.verify_receipt(r[0], r[1], app_id,
                                                      r[0]["payload_sha256"]).ok:
                bad_receipts += 1
        totals = {k: sum(r[k] for r in recoveries) for k in recoveries[0]}
        summary = {"iterations": ITERATIONS, "killed": killed, "acknowledged": len(acked),
                   "rows": len(items), "received_at_platform": len(received),
                   "lost": len(lost), "duplicated": len(duplicated),
                   "unknown_at_platform": len(unknown_at_platform),
                   "not_delivered": len(not_delivered), "orphan_files": len(orphan_files),
                   "orphan_rows": len(orphan_rows), "bad_receipts": bad_receipts,
                   "recovery_totals": totals, "loop_seconds": round(loop_s, 1),
                   "final_seconds": round(time.monotonic() - final_started, 1)}
        print("CRASH-TEST", json.dumps(summary))
        (tmp_path.parent / "crash_summary.json").write_text(json.dumps(summary))
        queue.close()
        client.close()
        assert killed >= 200
        assert len(acked) >= ITERATIONS // 2  # the kills really landed amid work
        assert not lost and not duplicated and not unknown_at_platform
        assert not not_delivered and not orphan_files and not orphan_rows and bad_receipts == 0
        # The kills hit both halves: mid-send (leases returned) and mid-enqueue (orphan blobs).
        assert totals["leases_returned"] > 0
        assert totals["orphan_blobs"] + totals["temp_files"] > 0
    finally:
        platform.stop()
