"""The enqueue path's pieces: two-step sealing, and blobs that are placed first and made durable
later (one directory fsync for all), taken back when the enqueue fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.offline import blobs
from kiosk.offline.blobs import BlobStore, content_hash
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


def test_pending_blobs_become_durable_with_one_directory_fsync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[Path] = []
    real = blobs.fsync_dir
    monkeypatch.setattr(blobs, "fsync_dir", lambda p: (synced.append(p), real(p)))
    store = BlobStore(tmp_path / "files")
    try:
        a, b = os.urandom(3000), os.urandom(4000)
        pending = [store.start_put([a[:10], a[10:]]), store.start_put([b])]
        assert [p.name for p in pending] == [content_hash(a), content_hash(b)]
        store.finish_puts(pending)
        assert synced == [tmp_path / "files"]
        assert store.get(content_hash(a)) == a and store.get(content_hash(b)) == b
        assert list(store.tmp.iterdir()) == []
    finally:
        store.close()


def test_aborted_blobs_leave_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "files")
    try:
        pending = store.start_put([os.urandom(2000)])
        assert store.path(pending.name).exists()
        store.abort_puts([pending])
        assert list(store.names()) == [] and list(store.tmp.iterdir()) == []
    finally:
        store.close()


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
