"""All or nothing: an enqueue killed at any step leaves its row and its blob together or neither
(after recovery: the row may be committed before its blob is complete);
a delivered item's sealed bytes are gone from every file; a queue written before blobs went into
spare files (files named by their content hash, schema 0003) is delivered exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from alembic import command

from kiosk.offline import db
from platform_server.runner import PlatformHandle
from tests.queue_support import application, drain, make_kiosk, make_queue

pytest_plugins = ("tests.platform_fixtures",)  # platform, proxy, client

CHILD = Path(__file__).with_name("queue_enqueue_kill_child.py")
ROOT = Path(__file__).resolve().parent.parent


def files_on_disk(directory: Path) -> set[str]:
    return {f.name for f in directory.iterdir() if f.is_file()}


@pytest.mark.parametrize("step", ["writing", "committed-writing", "written", "commit",
                                  "committed", "returned"])
def test_an_enqueue_killed_at_any_step_leaves_all_or_nothing(
        tmp_path: Path, platform: PlatformHandle, step: str) -> None:
    proc = subprocess.run([sys.executable, str(CHILD), str(tmp_path),
                           platform.encryption_public_key, step],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=ROOT)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    acknowledged = proc.stdout.split()
    # The killed process left its spares behind (empty, never referred to).
    left = files_on_disk(tmp_path / "files")
    assert len(left) >= 2

    q = make_queue(tmp_path, platform)
    report = q.open()
    q._store.wait_idle()  # this process's own spares, made in the background
    try:
        referenced = q.file_names()
        assert files_on_disk(tmp_path / "files") == set(referenced) | set(q._store._spare_names())
        assert report.temp_files >= len(left) - 1  # the old spares, counted apart
        # Only a row whose enqueue got as far as committing it after a half-written blob
        # is dropped: recovery finds its blob incomplete.
        assert report.unfinished_enqueues == (step == "committed-writing")
        if step in ("committed", "returned"):  # both durable: kept, whether or not returned
            assert len(acknowledged) == (step == "returned")
            assert q.stats().depth == 1 and len(referenced) == 1
            assert report.orphan_blobs == 0
            claim = q.claim_next()
            assert claim is not None and claim.error is None
            assert acknowledged in ([], [claim.id])
            assert len(claim.blobs[0]) == 300_000 + 28
        else:
            assert acknowledged == [] and q.stats().depth == 0 and referenced == []
            assert report.orphan_blobs == 1  # its blob, half or whole: gone
    finally:
        q.close()


def windows(data: bytes, width: int = 48) -> list[bytes]:
    return [data[i:i + width] for i in range(0, len(data) - width, max(1, len(data) // 16))]


def test_delivery_removes_the_sealed_payload_from_every_file(tmp_path: Path,
                                                             platform: PlatformHandle) -> None:
    k = make_kiosk(tmp_path, platform)
    try:
        assert k.queue.enqueue(application(1, attachment_bytes=120_000)).ok
        (file,) = k.queue.file_names()
        sealed = (tmp_path / "files" / file).read_bytes()
        conn = sqlite3.connect(tmp_path / "queue.sqlite3")
        (manifest,) = conn.execute("SELECT manifest FROM queue_items").fetchone()
        conn.close()
        drain(k.worker)
        assert k.queue.file_names() == [] and not (tmp_path / "files" / file).exists()
    finally:
        k.close()
    envelope_ct = __import__("json").loads(manifest)["envelope"]["ciphertext"].encode()
    for dirpath, _dirs, names in os.walk(tmp_path):
        for name in names:
            content = (Path(dirpath) / name).read_bytes()
            assert not any(w in content for w in windows(sealed)), name
            assert envelope_ct[:64] not in content, name


def to_legacy_layout(directory: Path) -> int:
    """Rewrite a closed queue as the version before 0004 left it: each blob in a file named by
    its content hash, no file-name column. Returns the number of blobs."""
    conn = sqlite3.connect(directory / "queue.sqlite3")
    rows = conn.execute("SELECT id, sha256, blob FROM queue_files").fetchall()
    for row_id, content, file in rows:
        os.rename(directory / "files" / file, directory / "files" / content)
        conn.execute("UPDATE queue_files SET blob = NULL WHERE id = ?", (row_id,))
    conn.commit()
    conn.close()
    engine = db.make_engine(directory / "queue.sqlite3")
    cfg = db.alembic_config()
    with engine.begin() as c:
        cfg.attributes["connection"] = c
        command.downgrade(cfg, "0003")
    assert db.current_revision(engine) == "0003"
    engine.dispose()
    return len(rows)


def test_a_queue_with_files_named_by_content_is_delivered_exactly_once(
        tmp_path: Path, platform: PlatformHandle) -> None:
    with make_queue(tmp_path, platform) as q:
        ids = [str(q.enqueue(application(n, attachment_bytes=n * 40_000)).application_id)
               for n in range(4)]  # the first one without an attachment
    assert to_legacy_layout(tmp_path) == 3
    k = make_kiosk(tmp_path, platform)
    try:
        assert db.current_revision(k.queue.engine) == db.HEAD_REVISION
        assert k.queue.recovery.orphan_blobs == 0 and k.queue.recovery.missing_payloads == 0
        assert k.queue.stats().depth == 4
        # New enqueues beside the old ones, in the new layout.
        ids.append(str(k.queue.enqueue(application(9, attachment_bytes=50_000)).application_id))
        drain(k.worker)
        k.queue._store.wait_idle()
        assert all(k.queue.get(i)["state"] == "purged" for i in ids)  # type: ignore[index]
        assert files_on_disk(tmp_path / "files") == set(k.queue._store._spare_names())
    finally:
        k.close()
    received = Counter(a["application_id"] for a in platform.applications())
    assert all(received[i] == 1 for i in ids), received
