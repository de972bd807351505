"""An enqueue writes its blobs and commits its row side by side: the row is flagged
``blobs_pending`` until its blobs are known durable, nothing in the process claims it before, and
a blob write failing after the commit takes the row back (or, if even that fails, keeps it out of
claims until recovery drops it)."""

from __future__ import annotations

import errno
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from kiosk.offline import codes
from kiosk.offline.blobs import PendingBlob
from kiosk.offline.store import Claim, OfflineQueue
from kiosk.platform import crypto
from tests.queue_support import application


def _queue(tmp_path: Path) -> OfflineQueue:
    public = crypto.b64e(crypto.public_bytes(crypto.new_encryption_key()))
    q = OfflineQueue(tmp_path / "q.sqlite3", tmp_path / "files", tmp_path / "q.lock",
                     terminal_id="T-TEST", region_code="310104", encryption_key_b64=public)
    q.open()
    q._store.wait_idle()
    return q


def _flags(tmp_path: Path) -> dict[str, int]:
    conn = sqlite3.connect(tmp_path / "q.sqlite3")
    try:
        return dict(conn.execute("SELECT id, blobs_pending FROM queue_items").fetchall())
    finally:
        conn.close()


def _write_after_commit(q: OfflineQueue, monkeypatch: pytest.MonkeyPatch,
                        then: Any) -> threading.Event:
    """Make the blob write wait until the row is committed, then call ``then(pending)`` (which
    may write for real, or fail)."""
    committed = threading.Event()
    real_commit = q._hash_and_commit

    def commit_then_tell(*args: Any) -> Any:
        outcome = real_commit(*args)
        committed.set()
        return outcome

    def write(pending: list[PendingBlob]) -> None:
        assert committed.wait(10)
        then(pending)

    monkeypatch.setattr(q, "_hash_and_commit", commit_then_tell)
    monkeypatch.setattr(q._store, "write_durably", write)
    return committed


def test_the_flag_is_cleared_by_the_next_commit_and_at_close(tmp_path: Path) -> None:
    q = _queue(tmp_path)
    try:
        first = q.enqueue(application(0, attachment_bytes=5000)).application_id
        assert _flags(tmp_path) == {first: 1}
        second = q.enqueue(application(1, attachment_bytes=5000)).application_id
        assert _flags(tmp_path) == {first: 0, second: 1}
        # Without attachments there is nothing to wait for.
        third = q.enqueue(application(2)).application_id
        assert _flags(tmp_path) == {first: 0, second: 0, third: 0}
        fourth = q.enqueue(application(3, attachment_bytes=5000)).application_id
        # A flagged item is claimed like any other (its enqueue returned).
        claims = [q.claim_next() for _ in range(4)]
        assert [c.id for c in claims if c is not None] == [first, second, third, fourth]
        assert all(c is not None and c.error is None for c in claims)
    finally:
        q.close()
    assert set(_flags(tmp_path).values()) == {0}
    q = _queue(tmp_path)
    try:
        assert q.recovery.unfinished_enqueues == 0 and q.recovery.orphan_blobs == 0
    finally:
        q.close()


def test_no_claim_sees_the_row_before_its_blobs_are_durable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    q = _queue(tmp_path)
    claims: list[Claim | None] = []
    claimer = threading.Thread(target=lambda: claims.append(q.claim_next()))
    real_write = q._store.write_durably

    def claim_meanwhile(pending: list[PendingBlob]) -> None:
        claimer.start()  # the row is committed, the blob not yet written
        claimer.join(0.3)
        assert claimer.is_alive() and claims == []  # waits for the enqueue
        real_write(pending)

    _write_after_commit(q, monkeypatch, claim_meanwhile)
    try:
        result = q.enqueue(application(0, attachment_bytes=50_000))
        assert result.ok
        claimer.join(10)
        (claim,) = claims
        assert claim is not None and claim.id == result.application_id and claim.error is None
        assert len(claim.blobs[0]) == 50_000 + 28
    finally:
        q.close()


def test_a_blob_write_failing_after_the_commit_takes_the_row_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    q = _queue(tmp_path)

    def disk_full(pending: list[PendingBlob]) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    _write_after_commit(q, monkeypatch, disk_full)
    try:
        result = q.enqueue(application(0, attachment_bytes=20_000))
        assert not result.ok and result.error_code == codes.DISK_FULL.code
        assert _flags(tmp_path) == {} and q.file_names() == [] and list(q._store.names()) == []
        monkeypatch.undo()
        assert q.enqueue(application(1, attachment_bytes=20_000)).ok
        assert q.stats().depth == 1 and len(list(q._store.names())) == 1
    finally:
        q.close()


def test_a_row_that_cannot_be_taken_back_is_left_out_until_recovery_drops_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    q = _queue(tmp_path)
    kept = q.enqueue(application(0, attachment_bytes=20_000)).application_id

    def torn(pending: list[PendingBlob]) -> None:
        for p in pending:  # part of the blob reached the file, then the device failed
            with open(q._store.path(p.file), "wb") as f:
                f.write(b"\0" * (p.size // 2))
        raise OSError(errno.EIO, "Input/output error")

    _write_after_commit(q, monkeypatch, torn)
    real_db = q._enqueue_db
    monkeypatch.setattr(q, "_enqueue_db", lambda: _RefusingDeletes(real_db()))
    try:
        with pytest.raises(OSError):
            q.enqueue(application(1, attachment_bytes=20_000))
        (left,) = q._abandoned
        assert _flags(tmp_path)[left] == 1
        claim = q.claim_next()
        assert claim is not None and claim.id == kept
        q.record_delivered(claim, "C-1", {}, "s")
        assert q.claim_next() is None  # the abandoned row is never claimed
    finally:
        monkeypatch.undo()
        q.close()
    q = _queue(tmp_path)
    try:
        assert q.recovery.unfinished_enqueues == 1
        assert left not in _flags(tmp_path) and q.stats().depth == 0
        assert q.file_names() == [] and list(q._store.names()) == []
    finally:
        q.close()


class _RefusingDeletes:
    """The enqueue connection, refusing to DELETE (as a failing disk may)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.startswith("DELETE"):
            raise sqlite3.OperationalError("disk I/O error")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_a_full_disk_at_the_commit_takes_the_blobs_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    q = _queue(tmp_path)
    real_describe = q._describe

    def full(*args: Any) -> Any:
        real_describe(*args)
        err = sqlite3.OperationalError("database or disk is full")
        err.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
        raise err

    monkeypatch.setattr(q, "_describe", full)
    try:
        result = q.enqueue(application(0, attachment_bytes=20_000))
        assert not result.ok and result.error_code == codes.DISK_FULL.code
        assert _flags(tmp_path) == {} and list(q._store.names()) == []
    finally:
        q.close()
