"""The enqueue path's pieces: two-step sealing, and blobs written durably (one direct O_DSYNC
write) into spare files made ahead (no new name, so no directory fsync, on the citizen's wait),
taken back when the enqueue fails."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from pathlib import Path

import pytest

from kiosk.offline import blobs
from kiosk.offline.blobs import BlobCorrupt, BlobStore, PendingBlob, content_hash
from kiosk.offline.store import Attachment, OfflineQueue
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


def prepared(store: BlobStore, parts: list[bytes]) -> PendingBlob:
    pending = store.prepare(parts)
    store.hash(pending)
    return pending


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
        a, b = os.urandom(3000), os.urandom(40_000)
        written = [prepared(store, [a[:10], a[10:]]), prepared(store, [b])]
        assert [p.name for p in written] == [content_hash(a), content_hash(b)]
        assert [p.size for p in written] == [3000, 40_000]
        assert {p.file for p in written} <= ready and not any(p.fresh for p in written)
        store.finish_puts(written)
        assert synced == []  # the names were durable already
        assert store.get(written[0].file, content_hash(a), 3000) == a
        assert store.get(written[1].file, content_hash(b), 40_000) == b
        with pytest.raises(BlobCorrupt):
            store.get(written[1].file, content_hash(a), 40_000)
        with pytest.raises(BlobCorrupt):  # shorter than the row says
            store.get(written[0].file, content_hash(a), 5000)
        # Written directly (where the file system allows): whole blocks, the blob then zeros.
        raw = (tmp_path / "files" / written[0].file).read_bytes()
        assert raw[:3000] == a and set(raw[3000:]) <= {0} and len(raw) in (3000, 4096)
        assert list(store.tmp.iterdir()) == []
    finally:
        store.close()
    # close() removes the spares left: only the two blobs remain.
    assert sorted(f.name for f in (tmp_path / "files").iterdir() if f.is_file()) == sorted(
        p.file for p in written)


def test_without_a_spare_the_new_name_is_made_durable_by_one_directory_fsync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[Path] = []
    real = blobs.fsync_dir
    monkeypatch.setattr(blobs, "fsync_dir", lambda p: (synced.append(p), real(p)))
    store = BlobStore(tmp_path / "files")  # spares never started
    try:
        a, b = os.urandom(3000), os.urandom(4000)
        written = [prepared(store, [a]), prepared(store, [b])]
        assert all(p.fresh for p in written)
        store.finish_puts(written)
        assert synced == [tmp_path / "files"]
        assert store.get(written[0].file, content_hash(a), 3000) == a
    finally:
        store.close()


def test_a_file_system_refusing_direct_io_gets_plain_synchronous_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    refused: list[int] = []

    def no_direct(fd: int, data: bytes | memoryview) -> int:
        import fcntl
        if fcntl.fcntl(fd, fcntl.F_GETFL) & getattr(os, "O_DIRECT", 0):
            refused.append(fd)
            raise OSError(22, "Invalid argument")
        return real_write(fd, data)
    monkeypatch.setattr(blobs.os, "write", no_direct)
    store = BlobStore(tmp_path / "files", spares=2)
    try:
        store.start_spares()
        store.wait_idle()
        data = os.urandom(10_000)
        first, second = prepared(store, [data]), prepared(store, [data])
        store.finish_puts([first, second])
        assert (tmp_path / "files" / first.file).read_bytes() == data  # exact, not padded
        assert store.get(second.file, content_hash(data), 10_000) == data
        assert len(refused) <= 1 + 2  # refused once, then never asked again (spares made before)
    finally:
        store.close()


def test_aborted_blobs_leave_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "files", spares=2)
    try:
        store.start_spares()
        store.wait_idle()
        written = prepared(store, [os.urandom(2000)])
        assert store.path(written.file).exists()
        store.abort_puts([written])
        assert set(store.names()) == set() and list(store.tmp.iterdir()) == []
        assert not store.path(written.file).exists()
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


def _queue_sealing_to(private: crypto.X25519PrivateKey, tmp_path: Path) -> OfflineQueue:
    """An open queue whose payloads are sealed to ``private``'s public key."""
    q = OfflineQueue(tmp_path / "q.sqlite3", tmp_path / "files", tmp_path / "q.lock",
                     terminal_id="T-TEST", region_code="310104",
                     encryption_key_b64=crypto.b64e(crypto.public_bytes(private)))
    q.open()
    return q


def test_sealed_straight_into_the_write_buffer_opens_with_the_platform_key(tmp_path: Path) -> None:
    """Several attachments (more than the buffers kept, one larger than a buffer, so written in
    turns): each blob read back opens to its plaintext with the platform's private key."""
    private = crypto.new_encryption_key()
    q = _queue_sealing_to(private, tmp_path)
    try:
        datas = [os.urandom(1000), os.urandom(3 * 1024 * 1024 + 5), os.urandom(100_000),
                 b""]
        app = application(0)
        app = dataclasses.replace(app, attachments=[
            Attachment(f"a{i}.bin", "application/octet-stream", d) for i, d in enumerate(datas)])
        r = q.enqueue(app)
        assert r.ok
        claim = q.claim_next()
        assert claim is not None and claim.error is None
        envelope = json.loads(claim.manifest)["envelope"]
        key = crypto.open_data_key(private, str(r.application_id), envelope)
        assert [len(b) for b in claim.blobs] == [len(d) + 28 for d in datas]
        for i, (data, blob) in enumerate(zip(datas, claim.blobs, strict=True)):
            assert crypto.open_attachment(key, str(r.application_id), f"a{i}.bin", blob) == data
    finally:
        q.close()


def test_a_key_wrap_made_ahead_seals_one_envelope_for_its_recipient_only() -> None:
    private = crypto.new_encryption_key()
    public = crypto.b64e(crypto.public_bytes(private))
    wrap = crypto.prepare_wrap(public)
    sealer = crypto.Sealer(public, "app-1", wrap)
    envelope = sealer.envelope(b'{"applicant":{}}')
    assert envelope["epk"] == crypto.b64e(wrap.epk)
    key = crypto.open_data_key(private, "app-1", envelope)
    assert crypto.open_payload(key, "app-1", envelope) == b'{"applicant":{}}'
    # Used once: a second envelope of the same sealer agrees a key of its own.
    assert sealer.envelope(b"{}")["epk"] != envelope["epk"]
    other = crypto.b64e(crypto.public_bytes(crypto.new_encryption_key()))
    with pytest.raises(crypto.CryptoError):
        crypto.Sealer(other, "app-2", crypto.prepare_wrap(public))


def test_each_enqueue_gets_a_key_wrap_of_its_own(tmp_path: Path) -> None:
    private = crypto.new_encryption_key()
    q = _queue_sealing_to(private, tmp_path)
    try:
        epks = []
        for n in range(4):
            assert q.enqueue(application(n, attachment_bytes=2000)).ok
            q._describer.submit(lambda: None).result()  # type: ignore[union-attr]
            ready = q._next_wrap  # the next one's, made while nobody waits
            assert ready is not None and ready.done() and ready.exception() is None
        while (claim := q.claim_next()) is not None:
            envelope = json.loads(claim.manifest)["envelope"]
            crypto.open_data_key(private, claim.id, envelope)  # opens
            epks.append(envelope["epk"])
            q.record_delivered(claim, "C", {}, "s")
        assert len(epks) == 4 and len(set(epks)) == 4
    finally:
        q.close()
