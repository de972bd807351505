"""Purge after delivery: a delivered item's payload files are deleted on the janitor thread once
the delivery's bookkeeping is durable (the WAL synced), and that sync never holds up the
worker's own bookkeeping; a crash before the files go leaves the tombstone and, after recovery,
no payload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.platform import crypto
from platform_server.runner import PlatformHandle
from tests.queue_support import Kiosk, application, make_kiosk, make_queue

pytest_plugins = ("tests.platform_fixtures",)  # platform, proxy, client

CHILD = Path(__file__).with_name("queue_purge_kill_child.py")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def kiosk(tmp_path: Path, platform: PlatformHandle) -> Iterator[Kiosk]:
    k = make_kiosk(tmp_path, platform)
    yield k
    k.close()


def test_the_janitors_sync_does_not_hold_up_the_worker(
        kiosk: Kiosk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    q = kiosk.queue
    ids = [str(q.enqueue(application(n, attachment_bytes=60_000)).application_id)
           for n in range(2)]
    first_files = set(q.file_names())
    entered, release = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if threading.current_thread().name.startswith("queue-janitor") and not release.is_set():
            entered.set()
            release.wait(20)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    try:
        claim = q.claim_next()
        assert claim is not None and claim.id == ids[0]
        assert kiosk.worker.deliver(claim)
        # The janitor is making the first delivery durable before deleting its files ...
        assert entered.wait(10)
        # ... and meanwhile the worker leases, delivers and records the next item (both take
        # the queue's write lock, which a FULL commit on the janitor would hold throughout).
        started = time.monotonic()
        claim = q.claim_next()
        assert claim is not None and claim.id == ids[1]
        assert kiosk.worker.deliver(claim)
        assert time.monotonic() - started < 10
        # Not durable yet: the first item's files are still there.
        on_disk = {f.name for f in (tmp_path / "files").iterdir()}
        assert first_files <= on_disk
    finally:
        release.set()
    q.flush_deletes()
    on_disk = {f.name for f in (tmp_path / "files").iterdir()}
    assert not first_files & on_disk and q.file_names() == []
    for item_id in ids:
        assert q.get(item_id)["state"] == "purged"  # type: ignore[index]
        assert q.receipt(item_id) is not None  # the tombstone keeps the receipt


def test_a_crash_before_the_files_go_leaves_the_tombstone_and_no_payload(
        tmp_path: Path, platform: PlatformHandle) -> None:
    data = tmp_path / "kiosk"
    q = make_queue(data, platform)
    q.open()
    app_id = str(q.enqueue(application(1, attachment_bytes=80_000)).application_id)
    (blob,) = q.file_names()
    q.close()
    key = crypto.new_signing_key()
    platform.register_terminal("T-PURGE", crypto.b64e(crypto.public_bytes(key)))
    cfg = {"data_dir": str(data), "terminal_id": "T-PURGE", "base_url": platform.base_url,
           "terminal_key": crypto.b64e(crypto.private_bytes(key)),
           "signing": platform.signing_public_key, "encryption": platform.encryption_public_key}
    proc = subprocess.run([sys.executable, str(CHILD), json.dumps(cfg)], capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          cwd=ROOT)
    assert proc.stdout.split() == ["delivered", app_id], proc.stderr
    assert (data / "files" / blob).exists()  # killed before the janitor deleted it

    q = make_queue(data, platform)
    report = q.open()
    try:
        assert report.orphan_blobs == 1 and not (data / "files" / blob).exists()
        assert q.get(app_id)["state"] == "purged"  # type: ignore[index]
        receipt = q.receipt(app_id)
        assert receipt is not None and receipt[0]["application_id"] == app_id
        assert q.stats().depth == 0
    finally:
        q.close()
    assert [a["application_id"] for a in platform.applications()].count(app_id) == 1


def test_without_a_wal_file_to_sync_a_full_commit_makes_the_purge_durable(
        kiosk: Kiosk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    q = kiosk.queue
    app_id = str(q.enqueue(application(3, attachment_bytes=30_000)).application_id)
    (blob,) = q.file_names()
    monkeypatch.setattr(q, "_wal_file", str(tmp_path / "no-such-wal"))
    commits: list[list[str]] = []
    real = q._durable_commit

    def durable_commit(names: list[str]) -> set[str]:
        commits.append(names)
        return real(names)

    monkeypatch.setattr(q, "_durable_commit", durable_commit)
    claim = q.claim_next()
    assert claim is not None and kiosk.worker.deliver(claim)
    q.flush_deletes()
    assert commits == [[blob]]
    assert not (tmp_path / "files" / blob).exists()
    assert q.get(app_id)["state"] == "purged"  # type: ignore[index]
