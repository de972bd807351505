"""The enqueue path's pieces: two-step sealing, and blobs written durably into spare files made
ahead (no new name, so no directory fsync, on the citizen's wait), taken back when the enqueue
fails."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from kiosk.offline import blobs
from kiosk.offline.blobs import BlobCorrupt, BlobStore, content_hash
from kiosk.offline.store import OfflineQueue
from kiosk.platform import crypto
from tests.queue_support import application


def test_two_step_sealing_opens_with_the_platform_key() -> None:
    private = crypto.new_encryption_key()
    public = crypto.b64e(crypto.public_bytes(private))
    scan = os.urandom(5000)
    sealer = crypto.Sealer(public, "app-1")
    parts = sealer.attachment("scan.jpg", scan)
    envelope = sealer.envelope(b'{"applicant":{}}')
    key = crypto.open_data_key(private, "app-1", envelope)
    assert crypto.open_payload(key, "app-1", envelope) == b'{"applicant":{}}'
    assert crypto.open_attachment(key, "app-1", "scan.jpg", b"".join(parts)) == scan
    # Bound to the application and the attachment name (AEAD associated data).
    with pytest.raises(crypto.CryptoError):
        crypto.open_attachment(key, "app-2", "scan.jpg", b"".join(parts))
    with pytest.raises(crypto.CryptoError):
        crypto.open_attachment(key, "app-1", "other.jpg", b"".join(parts))
    with pytest.raises(crypto.CryptoError):
        crypto.Sealer("not a key", "app-1")


def test_blobs_go_into_spares_without_a_directory_fsync_on_the_way(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = blobs.fsync_dir
    monkeypatch.setattr(blobs, "fsync_dir",
                        lambda p: (synced.append(threading.current_thread().name), real(p)))
    store = BlobStore(tmp_path / "files", spares=4)
    try:
        store.start_spares()
        store.wait_idle()
        ready = set(store._spare_names())
        assert len(ready) == 4 and all((tmp_path / "files" / n).stat().st_size == 0 for n in ready)
        assert synced and all(t.startswith("blob-spares") for t in synced)  # made ahead
        synced.clear()
        a, b = os.urandom(3000), os.urandom(4000)
        pending = [store.start_put([a[:10], a[10:]]), store.start_put([b])]
        assert [p.name for p in pending] == [content_hash(a), content_hash(b)]
        assert {p.file for p in pending} <= ready and not any(p.fresh for p in pending)
        store.finish_puts(pending)
        assert "MainThread" not in synced  # the names were durable already
        assert store.get(pending[0].file, content_hash(a)) == a
        assert store.get(pending[1].file, content_hash(b)) == b
        with pytest.raises(BlobCorrupt):
            store.get(pending[1].file, content_hash(a))
        assert list(store.tmp.iterdir()) == []
    finally:
        store.close()
    # close() removes the spares left: only the two blobs remain.
    assert sorted(f.name for f in (tmp_path / "files").iterdir() if f.is_file()) == sorted(
        p.file for p in pending)


def test_without_a_spare_the_new_name_is_made_durable_by_one_directory_fsync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[Path] = []
    real = blobs.fsync_dir
    monkeypatch.setattr(blobs, "fsync_dir", lambda p: (synced.append(p), real(p)))
    store = BlobStore(tmp_path / "files")  # spares never started
    try:
        a, b = os.urandom(3000), os.urandom(4000)
        pending = [store.start_put([a]), store.start_put([b])]
        assert all(p.fresh for p in pending)
        store.finish_puts(pending)
        assert synced == [tmp_path / "files"]
        assert store.get(pending[0].file, content_hash(a)) == a
    finally:
        store.close()


def test_aborted_blobs_leave_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "files", spares=2)
    try:
        store.start_spares()
        store.wait_idle()
        pending = store.start_put([os.urandom(2000)])
        assert store.path(pending.file).exists()
        store.abort_puts([pending])
        assert set(store.names()) == set() and list(store.tmp.iterdir()) == []
        assert not store.path(pending.file).exists()
    finally:
        store.close()
    assert [f for f in (tmp_path / "files").iterdir() if f.is_file()] == []


def test_an_enqueue_failing_after_its_blob_is_placed_takes_it_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    public = crypto.b64e(crypto.public_bytes(crypto.new_encryption_key()))
    q = OfflineQueue(tmp_path / "q.sqlite3", tmp_path / "files", tmp_path / "q.lock",
                     terminal_id="T-TEST", region_code="310104", encryption_key_b64=public)
    q.open()
    try:
        def broken(self: crypto.Sealer, payload: bytes) -> dict[str, str]:
            raise RuntimeError("envelope failed")
        monkeypatch.setattr(crypto.Sealer, "envelope", broken)
        with pytest.raises(RuntimeError):
            q.enqueue(application(0, attachment_bytes=10_000))
        assert list(q._store.names()) == [] and q.file_names() == []
        assert q.stats().depth == 0
        monkeypatch.undo()
        assert q.enqueue(application(1, attachment_bytes=10_000)).ok
        assert len(list(q._store.names())) == 1 and q.stats().depth == 1
    finally:
        q.close()
