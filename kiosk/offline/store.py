"""The durable offline queue (Qt-free core).

Guarantees (see docs in platform-and-queue brief):
- ``enqueue`` returns only after the sealed blobs are on stable storage (direct O_DSYNC writes)
  in files whose names are durable (spares made ahead, see blobs.py) and the row is committed
  (WAL, synchronous=FULL): what the citizen was told is accepted survives a power cut.
- The blobs and the row are written side by side; the row is committed flagged
  ``blobs_pending`` until its blobs are known durable. After a crash in between,
  :meth:`OfflineQueue.recover` deletes blobs no row names and drops flagged rows whose blobs
  are incomplete (neither was acknowledged); no row ever leaves recovery referring to a blob
  that is not complete.
- Purge removes the file rows and marks the tombstone in one transaction, then deletes blobs; a
  crash in between again leaves only unreferenced blobs for recovery.
- Payloads and attachments are sealed to the platform's public key; rows hold masked values only.
- One writer process: an exclusive ``flock`` on the lock file for as long as the queue is open.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import fcntl
import functools
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy import text as text_sql
from sqlalchemy.orm import Session

from kiosk.offline import codes
from kiosk.offline.backoff import RetryPolicy
from kiosk.offline.blobs import BlobCorrupt, BlobStore, PendingBlob, content_hash, fsync_dir
from kiosk.offline.db import make_engine, migrate
from kiosk.offline.models import PENDING_STATES, TRANSITIONS, Attempt, Item, ItemFile, Meta, State
from kiosk.platform import crypto
from kiosk.platform.submission import application_payload, masked_applicant, submission_document

DEFAULT_POLICY = RetryPolicy()
READ_AHEAD_DEPTH = 2  # reads of due items queued ahead of their claims (see read_ahead)
log = logging.getLogger(__name__)


class QueueLockedError(Exception):
    """Another process holds the queue's writer lock."""


class IllegalTransition(Exception):
    """A state change the state machine does not allow (a bug, never an expected failure)."""


def check_transition(old: str, new: State) -> None:
    if new not in TRANSITIONS[State(old)]:
        raise IllegalTransition(f"{old} → {new}")


@dataclass(frozen=True)
class Attachment:
    name: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class ApplicationInput:
    """What a journey hands over when the citizen confirms. ``application_id`` is assigned once
    at confirmation (a UUID); enqueueing the same id again is a no-op returning the first result."""

    item_id: str
    catalogue_version: str
    applicant: dict[str, Any]  # must hold "name" and "id_number"
    answers: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    item_title: str = ""
    application_id: str | None = None


@dataclass(frozen=True)
class EnqueueResult:
    ok: bool
    application_id: str | None = None
    error_code: str | None = None
    message_key: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Claim:
    """An item leased to the sync worker for one delivery attempt."""

    id: str
    manifest_sha256: str  # SHA-256 of ``manifest``: the payload hash the receipt must name
    manifest: bytes  # final (contract) bytes, identical on every attempt
    attachments: list[tuple[str, str, int, str]]  # (name, content hash, size, sha256)
    attempt_number: int
    attempt_id: int
    created_at: float
    blobs: tuple[bytes, ...] = field(default=(), repr=False)  # read and verified at claim
    error: str | None = None  # the payload could not be read back (missing/corrupt): dead


@dataclass(frozen=True)
class Prepared:
    """The next due item read back ahead of its claim (no state change): blobs verified against
    their names, the final manifest, each blob's SHA-256. Built from immutable inputs (the
    draft and content-addressed names), so the claim that follows may use it as is."""

    item_id: str
    attempts: int  # delivery attempts so far (0: never tried)
    key: tuple[str, str, tuple[tuple[str, str, int, str], ...]]  # (id, draft hash, files)
    blobs: list[tuple[str, bytes]]  # (content hash, bytes), in attachment order
    manifest: bytes
    sha: dict[str, str]  # content hash → SHA-256

    @property
    def uploads(self) -> list[tuple[str, bytes]]:
        """(SHA-256, bytes) of every attachment, as the platform names them."""
        return [(self.sha[h], data) for h, data in self.blobs]


_EXISTS = "SELECT 1 FROM queue_items WHERE id = ?"
# Due: waiting and due, or leased and the lease expired; never a row of a failed enqueue that
# could not be taken back (a JSON list of ids, almost always empty: see _take_back).
_DUE = ("((state IN ('queued', 'retry') AND next_attempt_at <= ?) "
        "OR (state = 'sending' AND lease_expires_at < ?)) "
        "AND id NOT IN (SELECT value FROM json_each(?))")
_CLAIM = ("SELECT id, state, attempts, manifest, manifest_sha256, created_at FROM queue_items "
          f"WHERE {_DUE} ORDER BY created_at LIMIT 1")
_CLAIM_ONE = ("SELECT id, state, attempts, manifest, manifest_sha256, created_at FROM queue_items "
              f"WHERE id = ? AND {_DUE}")
_NEXT_AFTER = ("SELECT id, manifest, manifest_sha256, attempts FROM queue_items "
               f"WHERE {_DUE} AND id != ? ORDER BY created_at LIMIT 1")
_LEASE = ("UPDATE queue_items SET state = 'sending', lease_expires_at = ?, attempts = ?, "
          "updated_at = ? WHERE id = ?")
_NEW_ATTEMPT = ("INSERT INTO queue_attempts (item_key, number, started_at) VALUES (?, ?, ?) "
                "RETURNING id")
_DELIVERED = ("UPDATE queue_items SET state = ?, case_number = ?, receipt_json = ?, "
              "receipt_signature = ?, manifest_sha256 = ?, delivered_at = ?, updated_at = ?, "
              "purged_at = ?, lease_expires_at = NULL, last_error_code = NULL, "
              "last_error = NULL, manifest = NULL WHERE id = ?")
_ATTEMPT_DELIVERED = ("UPDATE queue_attempts SET finished_at = ?, outcome = 'delivered', "
                      "error_code = NULL, detail = NULL, delay_s = NULL, retry_after_s = NULL "
                      "WHERE id = ?")
# (attachment name, content hash, size, file name): legacy rows' files are named by the hash.
_FILES = ("SELECT name, sha256, size, COALESCE(blob, sha256) FROM queue_files "
          "WHERE item_key = ? AND role = 'attachment' ORDER BY position")
_FILE_OF = "SELECT COALESCE(blob, sha256), size FROM queue_files WHERE sha256 = :h LIMIT 1"
_FILES_OF_ITEM = "SELECT COALESCE(blob, sha256), size FROM queue_files WHERE item_key = ?"
_FILES_USED = ("SELECT COALESCE(blob, sha256) FROM queue_files WHERE blob IN ({marks}) "
               "OR (blob IS NULL AND sha256 IN ({marks}))")
_INSERT_ITEM = (
    "INSERT INTO queue_items (id, kind, state, item_id, catalogue_version, display, "
    "manifest_sha256, manifest, size_bytes, created_at, updated_at, next_attempt_at, attempts, "
    "redrives, blobs_pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_BLOBS_DURABLE = "UPDATE queue_items SET blobs_pending = 0 WHERE id = ?"
_DELETE_FILES_OF_ITEM = "DELETE FROM queue_files WHERE item_key = ?"
_DELETE_ITEM = "DELETE FROM queue_items WHERE id = ?"
_DURABLE_MARK = ("INSERT INTO queue_meta (key, value) VALUES ('durable_mark', ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
_INSERT_FILE = ("INSERT INTO queue_files (item_key, position, role, name, sha256, size, blob) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)")
DRAFT_PART = "part"  # key of an attachment ref in a manifest draft: the attachment's position
DRAFT_REF = "blake3"  # the same in drafts stored before 2026-11-22: the local content hash
# What the describing step hands the commit: (created at, manifest draft, its hash, display).
_Described = tuple[float, bytes, str, str]


class _Outcome(enum.Enum):
    """How the describing-and-committing step of an enqueue ended (failures raise)."""

    COMMITTED = "committed"
    EXISTS = "exists"  # a row with this application id was there already
    OVER_BUDGET = "over budget"  # nothing committed: the queue would exceed its disk budget


def _disk_full(e: BaseException) -> bool:
    if isinstance(e, OSError):
        return e.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(e, sqlite3.Error) and getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


@contextlib.contextmanager
def _transaction(raw: sqlite3.Connection) -> Iterator[None]:
    """An explicit transaction on an autocommit sqlite3 connection (see db.py): committed when
    the block ends, rolled back if it raises."""
    raw.execute("BEGIN")
    try:
        yield
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise


def finalise_manifest(stored: bytes, stored_hash: str, blobs: list[tuple[str, bytes]]
                      ) -> tuple[bytes, dict[str, str]]:
    """The contract manifest for a stored draft: attachment refs named by SHA-256.

    ``blobs`` are (content hash, bytes) as read back, in the attachments' order. Deterministic
    (canonical JSON of the same values), so a retry after a crash sends byte-identical content.
    Returns the manifest and each blob's SHA-256 by content hash (computed once here, reused
    for upload and signing). Raises :class:`BlobCorrupt` if the stored draft does not match its
    hash or its blobs."""
    if stored_hash not in (content_hash(stored), crypto.sha256_hex(stored)):
        raise BlobCorrupt("manifest does not match its hash")
    sha = {name: crypto.sha256_hex(data) for name, data in blobs}
    doc = json.loads(stored)
    refs = doc.get("attachments") or []
    if any(DRAFT_PART in r for r in refs):
        in_order = [sha[name] for name, _data in blobs]
        if sorted(r.get(DRAFT_PART, -1) for r in refs) != list(range(len(in_order))):
            raise BlobCorrupt("manifest draft does not match its blobs")
        doc["attachments"] = [{"name": r["name"], "sha256": in_order[r[DRAFT_PART]],
                               "size": r["size"]} for r in refs]
    elif any(DRAFT_REF in r for r in refs):
        doc["attachments"] = [{"name": r["name"], "sha256": sha[r[DRAFT_REF]], "size": r["size"]}
                              for r in refs]
    else:
        return stored, sha  # written before drafts: already final
    return crypto.canonical_json(doc), sha


@dataclass(frozen=True)
class Failure:
    error_code: str
    detail: str
    transient: bool
    retry_after_s: float | None = None


@dataclass(frozen=True)
class QueueStats:
    depth: int  # pending: queued + sending + retry
    oldest_age_s: float | None
    dead: int
    delivered: int  # tombstones kept
    by_state: dict[str, int]
    disk_bytes: int
    disk_budget_bytes: int
    disk_alarm: bool
    next_attempt_at: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"depth": self.depth, "oldest_age_s": self.oldest_age_s, "dead": self.dead,
                "delivered": self.delivered, "by_state": self.by_state,
                "disk_bytes": self.disk_bytes, "disk_budget_bytes": self.disk_budget_bytes,
                "disk_alarm": self.disk_alarm, "next_attempt_at": self.next_attempt_at}


@dataclass(frozen=True)
class RecoveryReport:
    orphan_blobs: int = 0
    temp_files: int = 0
    leases_returned: int = 0
    finished_purges: int = 0
    missing_payloads: int = 0
    unfinished_enqueues: int = 0  # rows committed before their blobs were complete: dropped


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def item_view(item: Item) -> dict[str, Any]:
    """A row as shown to staff: masked display values, state, timings, errors."""
    return {"id": item.id, "state": item.state, "item_id": item.item_id,
            "display": dict(item.display or {}), "created_at": _iso(item.created_at),
            "attempts": item.attempts,
            "next_attempt_at": _iso(item.next_attempt_at) if item.state == State.RETRY else None,
            "last_error_code": item.last_error_code, "last_error": item.last_error,
            "case_number": item.case_number, "size_bytes": item.size_bytes,
            "delivered_at": _iso(item.delivered_at) if item.delivered_at else None,
            "redrives": item.redrives}


class OfflineQueue:
    def __init__(self, db_path: Path, files_dir: Path, lock_path: Path, *, terminal_id: str,
                 region_code: str, encryption_key_b64: str | None,
                 policy: RetryPolicy = DEFAULT_POLICY, lease_s: float = 300.0,
                 give_up_after_s: float = 14 * 86400.0, disk_budget_bytes: int = 2 << 30,
                 alarm_ratio: float = 0.8, min_free_bytes: int = 0,
                 tombstone_retention_s: float = 180 * 86400.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.db_path = db_path
        self._db_file, self._wal_file = str(db_path), f"{db_path}-wal"
        self.lock_path = lock_path
        self.terminal_id = terminal_id
        self.region_code = region_code
        self.encryption_key_b64 = encryption_key_b64
        self.policy = policy
        self.lease_s = lease_s
        self.give_up_after_s = give_up_after_s
        self.disk_budget_bytes = disk_budget_bytes
        self.alarm_ratio = alarm_ratio
        self.min_free_bytes = min_free_bytes
        self.tombstone_retention_s = tombstone_retention_s
        self.clock = clock
        self.files_dir = files_dir
        self._lock_fd: int | None = None
        self._write = threading.RLock()
        self._listeners: list[Callable[[], None]] = []
        self._blob_bytes = 0
        self.blobs: BlobStore | None = None
        self.engine: Any = None
        self._relaxed: Any = None
        self._pending_deletes: list[tuple[str, int]] = []
        self._wal_synced: tuple[int, int] | None = None  # the WAL file _sync_wal synced last
        self._pending_lock = threading.Lock()
        # Purged payloads are deleted off the worker's path: on a disk mounted with ``discard``
        # each unlink of a 1 MB blob costs ~4 ms (a synchronous TRIM).
        self._janitor: ThreadPoolExecutor | None = None
        self._janitor_job: Future[None] | None = None
        # Reads ahead queued on the reader thread, oldest first: (the item each reads the next
        # due item after, the job). At most READ_AHEAD_DEPTH (see read_ahead).
        self._read_aheads: deque[tuple[str, Future[Prepared | None]]] = deque()
        self._read_lock = threading.Lock()
        self._reader: ThreadPoolExecutor | None = None
        # Describes an application (hashes, sealed payload, manifest) while its blobs are being
        # written on the enqueue thread.
        self._describer: ThreadPoolExecutor | None = None
        self._next_wrap: Future[crypto.KeyWrap] | None = None
        # A connection kept for enqueues, detached from the pool (a checkout + reset per
        # enqueue cost more than the row insert itself); see _enqueue_db.
        self._enqueue_conn: Any = None
        self._worker_conn: Any = None  # the sync worker's, likewise (see _worker_transaction)
        self._enqueue_lock = threading.Lock()
        # Applications whose rows are still flagged blobs_pending though their blobs are durable
        # (the next enqueue's commit, or close, clears the flag), and rows of failed enqueues
        # that could not be deleted (left out of claims until recovery drops them).
        self._unconfirmed: list[str] = []
        self._abandoned: set[str] = set()
        self.recovery = RecoveryReport()

    # -- life cycle -----------------------------------------------------------------------------

    def open_readonly(self) -> None:
        """Inspection while another process (the kiosk) holds the writer lock: no recovery, no
        migration, no writes (``kiosk-diag queue status|list|export``)."""
        if not self.db_path.exists():
            raise FileNotFoundError(str(self.db_path))
        self.blobs = BlobStore(self.files_dir)
        self.engine = make_engine(self.db_path)
        self._relaxed = self.engine
        self._blob_bytes = self.blobs.usage_bytes()

    def lock_held_elsewhere(self) -> bool:
        if not self.lock_path.exists():
            return False
        fd = os.open(self.lock_path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def open(self) -> RecoveryReport:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise QueueLockedError(f"{codes.LOCKED.code}: {self.lock_path} is held") from None
        self._lock_fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.blobs = BlobStore(self.files_dir)
        self.engine = make_engine(self.db_path)
        migrate(self.engine)
        self._relaxed = make_engine(self.db_path, "NORMAL")
        self._janitor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="queue-janitor")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="queue-read-ahead")
        self._describer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="queue-describe")
        self._prepare_wrap()
        self.recovery = self.recover()
        self._store.start_spares()
        return self.recovery

    def close(self) -> None:
        if self.engine is not None and self._lock_fd is not None:
            self.flush_deletes()
        for pool in (self._janitor, self._reader, self._describer):
            if pool is not None:
                pool.shutdown(wait=True)
        self._janitor = self._reader = self._describer = None
        self._next_wrap = None
        self._read_aheads.clear()
        if self.blobs is not None:
            self.blobs.close()
        with self._enqueue_lock:
            if self._enqueue_conn is not None:
                self._confirm_blobs()
                self._enqueue_conn.close()  # detached: this closes it
                self._enqueue_conn = None
        with self._write:
            if self._worker_conn is not None:
                self._worker_conn.close()
                self._worker_conn = None
        if self._relaxed is not None:
            self._relaxed.dispose()
            self._relaxed = None
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _confirm_blobs(self) -> None:
        """Clear the blobs_pending flag of the applications enqueued since the last enqueue
        (their blobs are durable), so the next open has nothing to check. The caller holds
        ``_enqueue_lock``; a failure here only leaves that check to recovery."""
        if not self._unconfirmed:
            return
        try:
            with self._enqueue_transaction():
                pass  # the transaction itself clears them
        except sqlite3.Error as e:
            log.warning("blobs_pending flags left for recovery (%s)", type(e).__name__)

    def __enter__(self) -> OfflineQueue:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_listener(self, listener: Callable[[], None]) -> None:
        """``listener()`` is called after every change, on the thread that made it; it must be
        cheap (the sync worker just marks its stats dirty and computes them on its thread)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def _session(self, durable: bool = True) -> Session:
        return Session(self.engine if durable else self._relaxed, expire_on_commit=False)

    @property
    def _store(self) -> BlobStore:
        assert self.blobs is not None, "queue is not open"
        return self.blobs

    # -- recovery -------------------------------------------------------------------------------

    def recover(self) -> RecoveryReport:
        """Make rows and files agree after any crash (runs at open, before the worker starts)."""
        store = self._store
        now = self.clock()
        with self._write, self._session() as s:
            temp = store.clear_tmp()
            leases = 0
            for item in s.scalars(select(Item).where(Item.state == State.SENDING)):
                item.state = State.RETRY
                item.lease_expires_at = None
                item.next_attempt_at = now
                leases += 1
            s.commit()
            unfinished = self._recover_pending_blobs(s)
            delivered = [i.id for i in s.scalars(select(Item).where(
                Item.state == State.DELIVERED))]
            referenced = {f.file_name for f in s.scalars(select(ItemFile))}
            orphans = 0
            for name in list(store.names()):
                if name not in referenced:
                    # Written by an enqueue that had not returned (never acknowledged), or an
                    # empty spare (counted with the temporary files).
                    try:
                        written = store.path(name).stat().st_size > 0
                    except FileNotFoundError:
                        continue
                    store.delete(name)
                    orphans += written
                    temp += not written
            missing = 0
            for item in s.scalars(select(Item).where(Item.state.in_(PENDING_STATES))):
                if not all(store.path(f.file_name).exists() for f in item.files):
                    item.state = State.DEAD
                    item.dead_at = now
                    item.last_error_code = codes.CORRUPT.code
                    item.last_error = "payload files missing after restart"
                    missing += 1
            s.commit()
        for item_id in delivered:
            self.purge(item_id)
        self._blob_bytes = store.usage_bytes()
        self.prune_tombstones()
        return RecoveryReport(orphans, temp, leases, len(delivered), missing, unfinished)

    def _recover_pending_blobs(self, s: Session) -> int:
        """Rows committed while their blobs were being written (enqueue): keep each whose blobs
        are complete (synced again: a buffered write may not have reached the disk before the
        crash), drop each whose blobs are not; such an enqueue never returned, so nobody was
        told it was accepted. Its blobs become orphans. Returns the number dropped."""
        store = self._store
        dropped = 0
        self._abandoned.clear()
        for item in s.scalars(select(Item).where(Item.blobs_pending.is_(True))):
            if all(store.confirm(f.file_name, f.content_hash, f.size) for f in item.files):
                item.blobs_pending = False
            elif item.state == State.QUEUED and item.attempts == 0:
                s.delete(item)  # with its file rows
                dropped += 1
            else:  # claimed, so its enqueue had returned: a later fault, which a claim reports
                item.blobs_pending = False
        s.commit()
        return dropped

    # -- enqueue --------------------------------------------------------------------------------

    def disk_bytes(self) -> int:
        db = 0
        for path in (self._db_file, self._wal_file):  # one stat each (on the enqueue's way)
            try:
                db += os.stat(path).st_size
            except OSError:
                pass
        return self._blob_bytes + db

    def enqueue(self, app: ApplicationInput) -> EnqueueResult:
        """Seal, store and commit one application; returns once all of it is durable.

        While this thread seals each attachment straight into the aligned buffer of its
        direct write (see blobs.py), the describing thread checks the disk budget, wraps the
        data key for the platform (X25519), seals the payload and builds the manifest draft.
        Then this thread writes the blobs durably into spare files (names made durable ahead)
        while the describing thread hashes them and commits the row (FULL): the two durable
        writes overlap instead of following each other. The row is committed flagged
        ``blobs_pending``, so a crash before the blobs are durable is found by recovery (which
        drops the unfinished row: it was never acknowledged); the write lock is held
        throughout, so nothing in this process (a claim) sees the row before then. If the
        describing thread has not started hashing by the time the writes are done, this one
        finishes itself."""
        if not self.encryption_key_b64:
            return EnqueueResult(False, None, codes.ENCRYPT.code, "queue.error_no_key")
        application_id = app.application_id or str(uuid.uuid4())
        disk_full = EnqueueResult(False, None, codes.DISK_FULL.code, "queue.error_disk_full")
        with self._enqueue_lock:
            if self._enqueue_db().execute(_EXISTS, (application_id,)).fetchone() is not None:
                return EnqueueResult(True, application_id)
        try:
            sealer = crypto.Sealer(self.encryption_key_b64, application_id, self._take_wrap())
        except crypto.CryptoError as e:
            return EnqueueResult(False, None, codes.ENCRYPT.code, "queue.error_no_key", str(e))
        store = self._store
        pending: list[PendingBlob] = []
        with self._write:
            try:
                outcome = self._store_and_commit(app, application_id, sealer, pending)
            except BaseException as e:
                store.abort_puts(pending)
                if _disk_full(e):
                    return disk_full
                raise
            if outcome is _Outcome.OVER_BUDGET:
                store.abort_puts(pending)
                return disk_full
            if outcome is _Outcome.EXISTS:  # a double tap: the first one stands
                store.abort_puts(pending)
                return EnqueueResult(True, application_id)
            store.release(pending)
            with self._pending_lock:
                self._blob_bytes += sum(p.size for p in pending)
            with self._enqueue_lock:  # its blobs are durable: the next commit clears the flag
                self._unconfirmed.append(application_id)
        if pending:
            store.refill()
        self._prepare_wrap()
        self._changed()
        return EnqueueResult(True, application_id)

    def _store_and_commit(self, app: ApplicationInput, application_id: str,
                          sealer: crypto.Sealer, pending: list[PendingBlob]) -> _Outcome:
        """Seal the attachments into ``pending``, then write them durably and (on the
        describing thread) commit the row side by side. Raises if either failed, after taking
        a committed row back; the caller takes the blobs back."""
        store = self._store
        sizes = [len(a.data) + crypto.ATTACHMENT_OVERHEAD for a in app.attachments]
        # The describing thread makes the payload, its envelope and the manifest draft (they
        # need no blob) while this one seals; then it hashes the blobs and commits the row
        # while this one writes them.
        described: Future[_Described | None] | None = None
        job: Future[_Outcome] | None = None
        if self._describer is not None:
            described = self._describer.submit(self._describe, app, application_id, sealer, sizes)
        try:
            for a in app.attachments:
                pending.append(store.prepare_into(
                    len(a.data) + crypto.ATTACHMENT_OVERHEAD + crypto.ATTACHMENT_SLACK,
                    functools.partial(sealer.attachment_into, a.name, a.data)))
            if described is not None and self._describer is not None:
                job = self._describer.submit(self._hash_and_commit, app, application_id,
                                             described, pending)
            store.write_durably(pending)  # content and names durable, or raised
        except BaseException:
            if job is not None and not job.cancel():
                wait([job])  # it reads the blobs' buffers, and may have committed the row
                if not job.exception() and job.result() is _Outcome.COMMITTED:
                    self._take_back(application_id)
            if described is not None:
                described.cancel()
            raise
        if job is None or job.cancel():  # not started: finish here rather than wait
            return self._hash_and_commit(
                app, application_id,
                described if described is not None else
                self._describe(app, application_id, sealer, sizes), pending)
        return job.result()

    def _hash_and_commit(self, app: ApplicationInput, application_id: str,
                         described: Future[_Described | None] | _Described | None,
                         pending: list[PendingBlob]) -> _Outcome:
        if isinstance(described, Future):
            described = described.result()  # queued before this step: done, or about to be
        if described is None:
            return _Outcome.OVER_BUDGET
        store = self._store
        for p in pending:
            store.hash(p)
        now, manifest, manifest_hash, display_json = described
        size = len(manifest) + sum(p.size for p in pending)
        # The sqlite3 connection itself (no ORM, no Core execution layer, no pool checkout):
        # this is the citizen-facing hot path, measured against raw sqlite3. Autocommit mode
        # (see db.py), so the transaction is explicit; COMMIT returns after the WAL fsync
        # (FULL). The enqueuing thread holds the write lock for this transaction.
        with self._enqueue_lock, self._enqueue_transaction() as raw:
            if raw.execute(_EXISTS, (application_id,)).fetchone() is not None:
                return _Outcome.EXISTS  # enqueued meanwhile under the same id
            raw.execute(_INSERT_ITEM, (
                application_id, "application", str(State.QUEUED), app.item_id,
                app.catalogue_version, display_json, manifest_hash, manifest, size, now,
                now, now, 0, 0, 1 if pending else 0))
            raw.executemany(_INSERT_FILE, [
                (application_id, i, "attachment", a.name, pb.name, pb.size, pb.file)
                for i, (a, pb) in enumerate(zip(app.attachments, pending, strict=True))])
        return _Outcome.COMMITTED

    def _take_back(self, application_id: str) -> None:
        """Delete the row of an enqueue whose blobs failed (it was never acknowledged). If even
        that fails, the row stays flagged and is left out of claims until recovery drops it."""
        try:
            with self._enqueue_lock, self._enqueue_transaction() as raw:
                raw.execute(_DELETE_FILES_OF_ITEM, (application_id,))
                raw.execute(_DELETE_ITEM, (application_id,))
        except (sqlite3.Error, OSError) as e:
            log.warning("an unfinished enqueue's row stays until recovery (%s)", type(e).__name__)
            self._abandoned.add(application_id)

    def _take_wrap(self) -> crypto.KeyWrap | None:
        """The key wrap made ahead for this application (None: its envelope makes its own)."""
        with self._pending_lock:  # never the same wrap for two applications
            job, self._next_wrap = self._next_wrap, None
        if job is None or not job.done() or job.exception() is not None:
            return None
        wrap = job.result()
        return wrap if wrap.recipient_b64 == self.encryption_key_b64 else None

    def _prepare_wrap(self) -> None:
        """The next application's X25519 agreement, made on the describing thread while the
        kiosk waits for the next citizen (it was ~0.3-0.5 ms of each describe)."""
        with self._pending_lock:
            if self._describer is not None and self._next_wrap is None and \
                    self.encryption_key_b64:
                self._next_wrap = self._describer.submit(crypto.prepare_wrap,
                                                         self.encryption_key_b64)

    def _describe(self, app: ApplicationInput, application_id: str, sealer: crypto.Sealer,
                  sizes: list[int]) -> _Described | None:
        """Everything of the row but the blobs (of these sealed sizes): the sealed payload and
        the manifest draft, the masked display values. None if the application would take the
        queue over its disk budget. Runs beside the attachments' sealing."""
        applicant = dict(app.applicant)
        # The same sealed format as a direct online submit (kiosk.platform.submission).
        payload = application_payload(applicant, app.answers, app.item_title,
                                      [(a.name, a.mime, len(a.data)) for a in app.attachments])
        incoming = len(payload) * 2 + sum(sizes)
        if self.disk_bytes() + incoming > self.disk_budget_bytes or (
                self.min_free_bytes and
                shutil.disk_usage(self.files_dir).free - incoming < self.min_free_bytes):
            return None
        envelope = sealer.envelope(payload)
        now = self.clock()
        display = {**masked_applicant(applicant), "item_title": app.item_title}
        # A draft: the contract names attachments by SHA-256, filled in when the item is sent
        # (finalise_manifest) so the citizen does not wait for a second hash of every scan.
        # Each ref names its attachment by position (the file rows keep the order).
        refs = [{"name": a.name, DRAFT_PART: i, "size": size}
                for i, (a, size) in enumerate(zip(app.attachments, sizes, strict=True))]
        manifest = crypto.canonical_json(submission_document(
            application_id=application_id, item_id=app.item_id,
            catalogue_version=app.catalogue_version, created_at=now,
            terminal_id=self.terminal_id, region_code=self.region_code,
            item_title=app.item_title, applicant=applicant, envelope=envelope,
            attachments=refs))
        return now, manifest, content_hash(manifest), json.dumps(display, ensure_ascii=False)

    @contextlib.contextmanager
    def _enqueue_transaction(self) -> Iterator[sqlite3.Connection]:
        """A FULL transaction on the enqueue connection (the caller holds ``_enqueue_lock``).
        It also clears the blobs_pending flag of the applications whose blobs became durable
        since the last one (see enqueue)."""
        raw = self._enqueue_db()
        confirmed = list(self._unconfirmed)
        with _transaction(raw):
            raw.executemany(_BLOBS_DURABLE, [(i,) for i in confirmed])
            yield raw
        del self._unconfirmed[:len(confirmed)]

    def _enqueue_db(self) -> Any:
        """The sqlite3 connection kept for enqueues (FULL); the caller holds ``_enqueue_lock``."""
        if self._enqueue_conn is None:
            conn = self.engine.raw_connection()
            # Kept for the queue's life, so taken out of the pool's books: a pooled connection
            # checked out for good looked like one leaked (the soak counts checkouts).
            conn.detach()
            self._enqueue_conn = conn
        return self._enqueue_conn.dbapi_connection

    # -- the worker's side ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _worker_transaction(self) -> Iterator[sqlite3.Connection]:
        """One relaxed (NORMAL) transaction for the sync worker's bookkeeping, under the write
        lock, on the sqlite3 connection kept for it (detached from the pool like the enqueue
        one): a lease or a delivery record is a handful of statements, and the Core execution
        layer and the pool checkout around them cost the worker more than the SQL."""
        with self._write:
            if self._worker_conn is None:
                conn = self._relaxed.raw_connection()
                conn.detach()
                self._worker_conn = conn
            raw: sqlite3.Connection = self._worker_conn.dbapi_connection
            with _transaction(raw):
                yield raw

    def claim_next(self, only: str | None = None, read_next: bool = False) -> Claim | None:
        """Lease the oldest due item (or one whose lease expired) for a delivery attempt; with
        ``only``, that item if it is due (else None). ``read_next``: if this item was not read
        ahead, the read of the item after it starts before this one's (the hashes of both
        run side by side; :meth:`read_ahead` with this item's id then returns that job)."""
        now = self.clock()
        # Plain SQL on one connection: the worker's per-item bookkeeping is on the sync
        # throughput path (measured against a plain upload).
        with self._worker_transaction() as c:
            left_out = self._left_out()
            row = c.execute(_CLAIM, (now, now, left_out)).fetchone() if only is None else \
                c.execute(_CLAIM_ONE, (only, now, now, left_out)).fetchone()
            if row is None:
                return None
            item_id, state, attempts, stored, stored_hash, created = row
            if state != State.SENDING:
                check_transition(state, State.SENDING)
            number = int(attempts) + 1
            c.execute(_LEASE, (now + self.lease_s, number, now, item_id))
            attempt_id = int(c.execute(_NEW_ATTEMPT, (item_id, number, now)).fetchall()[0][0])
            files = [(str(n), str(h), int(z), str(f))
                     for n, h, z, f in c.execute(_FILES, (item_id,))]
            stored = bytes(stored or b"")
        self._changed()
        if read_next and not self._read_ahead_of(item_id):
            self.read_ahead(item_id)
        try:
            blobs, manifest, sha = self._prepared_for(item_id, stored, stored_hash, files)
        except (BlobCorrupt, ValueError, KeyError, TypeError) as e:
            return Claim(item_id, "", b"", [(n, h, z, "") for n, h, z, _f in files], number,
                         attempt_id, created, error=str(e) or type(e).__name__)
        return Claim(item_id, crypto.sha256_hex(manifest), manifest,
                     [(n, h, z, sha[h]) for n, h, z, _f in files], number, attempt_id, created,
                     tuple(data for _h, data in blobs))

    def _prepare(self, stored: bytes, stored_hash: str, files: list[tuple[str, str, int, str]]
                 ) -> tuple[list[tuple[str, bytes]], bytes, dict[str, str]]:
        """Read the blobs back (verified against their content hashes) and build the final
        manifest."""
        blobs = [(h, self._store.get(f, h, z)) for _n, h, z, f in files]
        manifest, sha = finalise_manifest(stored, stored_hash, blobs)
        return blobs, manifest, sha

    def _prepared_for(self, item_id: str, stored: bytes, stored_hash: str,
                      files: list[tuple[str, str, int, str]]
                      ) -> tuple[list[tuple[str, bytes]], bytes, dict[str, str]]:
        key = (item_id, stored_hash, tuple(files))
        while True:
            with self._read_lock:
                # A read of the item after this one cannot be this one's: it stays queued.
                job = next((j for after, j in self._read_aheads if after != item_id), None)
                if job is None:
                    break
                self._read_aheads = deque(e for e in self._read_aheads if e[1] is not job)
            try:
                ahead = job.result()
            except Exception:  # read-ahead is only a hint; the real read below reports errors
                ahead = None
            # Only the very same immutable inputs (draft + content-addressed blob names).
            if ahead is not None and ahead.key == key:
                return ahead.blobs, ahead.manifest, ahead.sha
        return self._prepare(stored, stored_hash, files)

    def _left_out(self) -> str:
        """The ids claims leave out, as the JSON list _DUE takes."""
        return json.dumps(sorted(self._abandoned)) if self._abandoned else "[]"

    def _read_ahead_of(self, item_id: str) -> bool:
        """Whether a read queued ahead may be ``item_id``'s (one not known to be another's)."""
        with self._read_lock:
            for after, job in self._read_aheads:
                if after == item_id:
                    continue
                if not job.done():
                    return True
                try:
                    ahead = job.result()
                except Exception:
                    continue
                if ahead is not None and ahead.item_id == item_id:
                    return True
            return False

    def read_ahead(self, current_id: str) -> Future[Prepared | None] | None:
        """While ``current_id`` is on the wire: read and hash the next due item other than
        ``current_id`` in the background (no state change; the claim of that item uses it if
        its inputs are the same). Returns the job, whose result the sync worker may use too
        (to upload that item's attachments ahead): the one already queued for ``current_id``
        if there is one, None if READ_AHEAD_DEPTH reads are queued already.

        Two deep, so the sync worker can have the item after the one it uploads ahead read
        during that upload (it asks from the upload's thread), and start uploading it as soon
        as it may, instead of after a read that began at the claim."""
        with self._read_lock:
            if self._reader is None:
                return None
            for after, queued in self._read_aheads:
                if after == current_id:
                    return queued
            if len(self._read_aheads) >= READ_AHEAD_DEPTH:
                return None
            try:
                job = self._reader.submit(self._read_ahead_job, current_id, self.clock())
            except RuntimeError:  # the queue is closing
                return None
            self._read_aheads.append((current_id, job))
            return job

    def _read_ahead_job(self, current_id: str, now: float) -> Prepared | None:
        with self._relaxed.connect() as c:
            row = c.exec_driver_sql(_NEXT_AFTER, (now, now, self._left_out(), current_id)).first()
            if row is None:
                return None
            item_id, stored, stored_hash = str(row[0]), bytes(row[1] or b""), str(row[2])
            attempts = int(row[3] or 0)
            files = [(str(n), str(h), int(z), str(f))
                     for n, h, z, f in c.exec_driver_sql(_FILES, (item_id,))]
        try:
            blobs, manifest, sha = self._prepare(stored, stored_hash, files)
        except (BlobCorrupt, ValueError, KeyError, TypeError):
            return None
        return Prepared(item_id, attempts, (item_id, stored_hash, tuple(files)), blobs, manifest,
                        sha)

    def read_blob(self, content_hash: str, verify: bool = True) -> bytes:
        """The sealed blob whose content hash is ``content_hash`` (tools, benchmarks)."""
        with self._session() as s:
            row = s.execute(text_sql(_FILE_OF), {"h": content_hash}).first()
        if row is None:
            raise BlobCorrupt(f"blob {content_hash[:12]}… not in the queue")
        return self._store.get(str(row[0]), content_hash, int(row[1]), verify)

    def _finish_attempt(self, s: Session, claim: Claim, now: float, outcome: str,
                        error_code: str | None, detail: str | None, delay: float | None,
                        retry_after: float | None) -> None:
        attempt = s.get(Attempt, claim.attempt_id)
        if attempt is not None:
            # The same instant next_attempt_at is counted from.
            attempt.finished_at = now
            attempt.outcome = outcome
            attempt.error_code = error_code
            attempt.detail = (detail or "")[:300] or None
            attempt.delay_s = delay
            attempt.retry_after_s = retry_after

    def record_delivered(self, claim: Claim, case_number: str, receipt: dict[str, Any],
                         signature: str) -> None:
        """Keep the verified receipt and purge the payload: SENDING → DELIVERED → PURGED in one
        transaction, then the blob files go (a crash before that leaves only unreferenced files,
        which recovery deletes)."""
        now = self.clock()
        with self._worker_transaction() as c:
            row = c.execute("SELECT state FROM queue_items WHERE id = ?", (claim.id,)).fetchone()
            if row is None:
                return
            check_transition(row[0], State.DELIVERED)
            check_transition(State.DELIVERED, State.PURGED)  # the tombstone, same transaction
            shas = [(str(f), int(z)) for f, z in c.execute(_FILES_OF_ITEM, (claim.id,))]
            c.execute("DELETE FROM queue_files WHERE item_key = ?", (claim.id,))
            c.execute(_DELIVERED, (
                str(State.PURGED), case_number,
                json.dumps(receipt, ensure_ascii=False, sort_keys=True), signature,
                claim.manifest_sha256, now, now, now, claim.id))
            c.execute(_ATTEMPT_DELIVERED, (now, claim.attempt_id))
        # The commit above is not fsynced (a repeat after a power cut is answered by the same
        # receipt); the files go once the WAL has been synced after it (flush_deletes).
        with self._pending_lock:
            self._pending_deletes.extend(shas)
            if self._janitor is not None and (self._janitor_job is None
                                              or self._janitor_job.done()):
                self._janitor_job = self._janitor.submit(self._flush_in_background)
        self._changed()

    def record_failure(self, claim: Claim, failure: Failure) -> float | None:
        """Transient → RETRY after a jittered delay (returned); permanent → dead letter."""
        now = self.clock()
        with self._write, self._session(durable=False) as s:
            item = s.get(Item, claim.id)
            if item is None:
                return None
            expired = now - item.created_at > self.give_up_after_s
            if failure.transient and not expired:
                delay = self.policy.delay(claim.attempt_number, failure.retry_after_s)
                check_transition(item.state, State.RETRY)
                item.state = State.RETRY
                item.next_attempt_at = now + delay
                outcome = "retry"
            else:
                delay = None
                check_transition(item.state, State.DEAD)
                item.state = State.DEAD
                item.dead_at = now
                outcome = "dead"
            code = codes.EXPIRED.code if failure.transient and expired else failure.error_code
            item.lease_expires_at = None
            item.updated_at = now
            item.last_error_code = code
            item.last_error = failure.detail[:300]
            self._finish_attempt(s, claim, now, outcome, code, failure.detail, delay,
                                 failure.retry_after_s)
            s.commit()
        self._changed()
        return delay

    def _tombstone(self, s: Session, item: Item, now: float) -> list[tuple[str, int]]:
        shas = [(f.file_name, f.size) for f in item.files]
        item.files.clear()
        check_transition(item.state, State.PURGED)
        item.state = State.PURGED
        item.purged_at = now
        item.manifest = None
        return shas

    def flush_deletes(self) -> None:
        """Make every relaxed commit durable (one sync of the whole WAL), then delete
        the blob files of the items purged since. Returns when that is done, including any
        flush the janitor thread had started."""
        job = self._janitor_job
        if job is not None:
            wait([job])
        self._flush_pending()

    def _flush_pending(self) -> None:
        with self._pending_lock:
            shas, self._pending_deletes = self._pending_deletes, []
        if not shas:
            return
        try:
            still_used = self._durable_mark([sha for sha, _ in shas])
            self._delete_blobs(shas, still_used)
        except Exception:
            with self._pending_lock:  # try again at the next flush; recovery is the backstop
                self._pending_deletes[:0] = shas
            raise

    def _durable_mark(self, names: list[str]) -> set[str]:
        """Make every commit so far durable; returns which of ``names`` rows still refer to.

        A relaxed (NORMAL) commit has written its WAL frames but not synced them; syncing the
        WAL file is what a FULL commit would add, and needs no write transaction, so the
        worker's bookkeeping (which takes the write lock) does not wait for the janitor's
        fsync. Where there is no WAL file to sync, one FULL commit does it."""
        if self._sync_wal():
            return self._still_used(names)
        return self._durable_commit(names)

    def _sync_wal(self) -> bool:
        """fsync the WAL file: every commit that returned before this call is then on stable
        storage (its frames are in this file, or were checkpointed into the database, which
        a checkpoint syncs before the WAL is started over). False if there is no WAL file.
        A WAL file new since the last call gets its directory synced too (as SQLite does at
        its first sync of a new WAL), so its name survives a power cut."""
        try:
            fd = os.open(self._wal_file, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            os.fsync(fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)
        if (st.st_dev, st.st_ino) != self._wal_synced:
            fsync_dir(self.db_path.parent)
            self._wal_synced = (st.st_dev, st.st_ino)
        return True

    def _durable_commit(self, names: list[str]) -> set[str]:
        """One FULL commit (it fsyncs the whole WAL, so every relaxed commit before it is
        durable too); returns which of ``names`` rows still refer to. Plain SQL on the enqueue
        connection: the janitor runs beside the sync worker, and its Python time is the
        worker's latency (the GIL)."""
        marks = ",".join("?" * len(names))
        with self._write, self._enqueue_lock, self._enqueue_transaction() as raw:
            raw.execute(_DURABLE_MARK, (repr(self.clock()),))
            return {str(r[0]) for r in raw.execute(_FILES_USED.format(marks=marks),
                                                   names + names)}

    def _flush_in_background(self) -> None:
        # Keeps going while deliveries keep adding files: each round is one WAL sync
        # covering every delivery before it, then the unlinks.
        while True:
            with self._pending_lock:
                if not self._pending_deletes:
                    return
            try:
                self._flush_pending()
            except Exception:
                log.exception("queue.purge_flush_failed")
                return

    def _still_used(self, names: list[str]) -> set[str]:
        """Which of the blob files ``names`` rows still refer to."""
        marks = ",".join("?" * len(names))
        with self._relaxed.connect() as c:
            return {str(r[0]) for r in c.exec_driver_sql(_FILES_USED.format(marks=marks),
                                                          tuple(names + names))}

    def _delete_blobs(self, shas: list[tuple[str, int]], still_used: set[str]) -> None:
        for sha, size in shas:
            if sha not in still_used:
                self._store.delete(sha)
                with self._pending_lock:
                    self._blob_bytes = max(0, self._blob_bytes - size)

    def purge(self, item_id: str) -> None:
        """Drop the payload of a delivered item, keeping a tombstone (receipt, masked data)."""
        now = self.clock()
        with self._write, self._session() as s:
            item = s.get(Item, item_id)
            if item is None or item.state != State.DELIVERED:
                return
            shas = self._tombstone(s, item, now)
            s.commit()
        if shas:
            self._delete_blobs(shas, self._still_used([sha for sha, _ in shas]))
        self._changed()

    def redrive(self, item_id: str) -> bool:
        """Staff: put a dead-lettered item back in the queue (after fixing the cause)."""
        now = self.clock()
        with self._write, self._session() as s:
            item = s.get(Item, item_id)
            if item is None or item.state != State.DEAD:
                return False
            if not all(self._store.path(f.file_name).exists() for f in item.files):
                return False
            check_transition(item.state, State.QUEUED)
            item.state = State.QUEUED
            item.next_attempt_at = now
            item.attempts = 0
            item.redrives += 1
            item.dead_at = None
            item.updated_at = now
            # A re-driven item's age for give-up starts again.
            item.created_at = now
            s.commit()
        self._changed()
        return True

    def force_due(self) -> int:
        """Staff 'sync now': items waiting out a backoff become due immediately."""
        now = self.clock()
        with self._write, self._session() as s:
            items = list(s.scalars(select(Item).where(Item.state == State.RETRY)))
            for item in items:
                item.next_attempt_at = now
            s.commit()
        return len(items)

    def prune_tombstones(self) -> int:
        cutoff = self.clock() - self.tombstone_retention_s
        with self._write, self._session() as s:
            result = s.execute(delete(Item).where(Item.state == State.PURGED,
                                                  Item.purged_at < cutoff))
            n = getattr(result, "rowcount", 0)
            s.commit()
        return int(n or 0)

    # -- inspection -----------------------------------------------------------------------------

    def stats(self) -> QueueStats:
        now = self.clock()
        with self._session() as s:
            by_state = {str(k): int(v) for k, v in s.execute(
                select(Item.state, func.count()).group_by(Item.state))}
            oldest = s.scalar(select(func.min(Item.created_at)).where(
                Item.state.in_(PENDING_STATES)))
            nxt = s.scalar(select(func.min(Item.next_attempt_at)).where(
                Item.state.in_((State.QUEUED, State.RETRY))))
        depth = sum(by_state.get(str(st), 0) for st in PENDING_STATES)
        used = self.disk_bytes()
        return QueueStats(depth, (now - oldest) if oldest is not None else None,
                          by_state.get(State.DEAD, 0), by_state.get(State.PURGED, 0), by_state,
                          used, self.disk_budget_bytes,
                          used >= self.alarm_ratio * self.disk_budget_bytes, nxt)

    def items(self, states: Iterable[str] | None = None, limit: int = 200) -> list[dict[str, Any]]:
        with self._session() as s:
            stmt = select(Item).order_by(Item.created_at).limit(limit)
            if states is not None:
                stmt = stmt.where(Item.state.in_(list(states)))
            return [item_view(i) for i in s.scalars(stmt)]

    def get(self, item_id: str) -> dict[str, Any] | None:
        with self._session() as s:
            item = s.get(Item, item_id)
            return item_view(item) if item is not None else None

    def receipt(self, item_id: str) -> tuple[dict[str, Any], str] | None:
        with self._session() as s:
            item = s.get(Item, item_id)
            if item is None or item.receipt_json is None or item.receipt_signature is None:
                return None
            return json.loads(item.receipt_json), item.receipt_signature

    def attempts(self, item_id: str) -> list[dict[str, Any]]:
        with self._session() as s:
            return [{"number": a.number, "started_at": a.started_at, "finished_at": a.finished_at,
                     "outcome": a.outcome, "error_code": a.error_code, "delay_s": a.delay_s,
                     "retry_after_s": a.retry_after_s}
                    for a in s.scalars(select(Attempt).where(Attempt.item_key == item_id)
                                       .order_by(Attempt.id))]

    def file_names(self) -> list[str]:
        """The blob files rows refer to."""
        with self._session() as s:
            return [f.file_name for f in s.scalars(select(ItemFile).order_by(ItemFile.id))]

    def get_meta(self, key: str) -> str | None:
        with self._session() as s:
            m = s.get(Meta, key)
            return m.value if m is not None else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write, self._session() as s:
            m = s.get(Meta, key)
            if m is None:
                s.add(Meta(key=key, value=value))
            else:
                m.value = value
            s.commit()

    def export(self) -> dict[str, Any]:
        """Everything staff may see (masked): stats, every item with its attempts."""
        return {"stats": self.stats().as_dict(), "recovery": self.recovery.__dict__,
                "items": [dict(v, attempts_log=self.attempts(v["id"])) for v in self.items(
                    limit=100_000)]}


__all__ = ["ApplicationInput", "Attachment", "BlobCorrupt", "Claim", "EnqueueResult", "Failure",
           "OfflineQueue", "Prepared", "QueueLockedError", "QueueStats", "RecoveryReport"]
