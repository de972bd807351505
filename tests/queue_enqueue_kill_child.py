"""Child of tests/test_queue_atomicity.py: opens a queue and enqueues one application with an
attachment, SIGKILLing itself at the step named on the command line. The blob's write and the
row's commit run side by side; each step fixes their order so the state at the kill is known:

- ``writing``: half the blob written, the row not committed;
- ``committed-writing``: the row committed (flagged blobs_pending), half the blob written;
- ``written``: the blob durable, the row not committed;
- ``commit``: the blob durable, the row inserted, COMMIT not yet run;
- ``committed``: the blob durable and the row committed, enqueue not returned;
- ``returned``: enqueue returned (the application id is printed first).

argv: data dir, platform encryption public key, step.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from kiosk.offline import blobs
from kiosk.offline.store import ApplicationInput, Attachment, OfflineQueue


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class _KillAtCommit:
    def __init__(self, conn: Any, first: threading.Event) -> None:
        self._conn = conn
        self._first = first

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT":
            self._first.wait(10)
            die()
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def main() -> None:
    data, key, step = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    q = OfflineQueue(data / "queue.sqlite3", data / "files", data / "queue.lock",
                     terminal_id="T-KILL", region_code="310104", encryption_key_b64=key)
    q.open()
    q._store.wait_idle()  # the spares are ready: the enqueue takes one
    committed, written = threading.Event(), threading.Event()
    real_commit, real_write = q._hash_and_commit, q._store.write_durably

    def commit_then_tell(*args: Any) -> Any:
        outcome = real_commit(*args)
        committed.set()
        return outcome

    def write_then_tell(pending: list[blobs.PendingBlob]) -> None:
        real_write(pending)
        written.set()

    q._hash_and_commit = commit_then_tell  # type: ignore[method-assign]
    q._store.write_durably = write_then_tell  # type: ignore[method-assign]
    if step in ("writing", "written"):
        q._describer = None  # the row is described and committed after the write, here
    if step in ("writing", "committed-writing"):
        def half(fd: int, view: memoryview) -> None:
            if step == "committed-writing":
                committed.wait(10)
            os.write(fd, view[:len(view) // 2 // 4096 * 4096])  # block-aligned for direct I/O
            die()
        blobs._write_all = half  # type: ignore[assignment]
    elif step in ("written", "committed"):
        def write_then_die(pending: list[blobs.PendingBlob]) -> None:
            real_write(pending)
            if step == "committed":
                committed.wait(10)
            die()
        q._store.write_durably = write_then_die  # type: ignore[method-assign]
    elif step == "commit":
        real_db = q._enqueue_db
        q._enqueue_db = lambda: _KillAtCommit(real_db(), written)  # type: ignore[method-assign]
    app = ApplicationInput("jumin_juzhuzheng", "kill-1",
                           {"name": "王秀英", "id_number": "310104195206182024"}, {"n": 1},
                           [Attachment("scan.jpg", "image/jpeg", os.urandom(300_000))],
                           "居住证办理")
    r = q.enqueue(app)
    print(r.application_id, flush=True)
    die()


if __name__ == "__main__":
    main()
