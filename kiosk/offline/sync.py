"""The sync worker: its own thread delivers queued applications, refreshes the catalogue and
sends heartbeats on schedules. Nothing here runs on the UI thread; it reports via callbacks
(the Qt bridge turns them into signals).

Delivery of one item: lease it (SENDING) before any network I/O; upload attachments (resuming at
the platform's offset); post the manifest with the application id as idempotency key; verify the
receipt's signature, application id and payload hash; then DELIVERED + purge. Failures: transient
(network, timeout, 408, 429, 5xx, bad answer, bad signature) → RETRY with full-jitter backoff,
Retry-After as a floor, and the whole worker pauses too so a down platform is not hammered item
after item; permanent (other 4xx) → dead letter.

Pipelining (the worker's own loop): while an item's manifest is on the wire, a helper thread
uploads the attachments of the next due item on a second connection (content-addressed, so an
upload changes no state and is safe to repeat). Manifests still go one at a time, in order,
each after its item's lease. The helper sends nothing while the worker is paused or stopping
(checked before every part). As its upload starts, the helper has the item after it read and
hashed (the queue reads two ahead), so that item's upload can start the moment this item's
manifest goes out instead of after a read. The item uploaded ahead is leased next, while its
upload may still be going; then the worker waits for the helper's outcome before any request
of its own. A failed upload ahead is the failure of that leased attempt (recorded with its
backoff and the worker's pause, before any other request); a completed one lets the attempt
skip the upload. The first item of a backlog (read by nobody ahead) is read beside the item
after it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.offline import codes
from kiosk.offline.backoff import RetryPolicy
from kiosk.offline.blobs import fsync_dir
from kiosk.offline.store import Claim, Failure, OfflineQueue, Prepared, QueueStats
from kiosk.platform import crypto
from kiosk.platform.client import PlatformClient
from kiosk.platform.errors import PlatformError

log = logging.getLogger(__name__)

REQUEST_SYNC = "sync"
REQUEST_REDRIVE_PREFIX = "redrive-"


@dataclass
class SyncListeners:
    queue_changed: list[Callable[[int, float], None]] = field(default_factory=list)
    delivered: list[Callable[[str, str], None]] = field(default_factory=list)
    dead_lettered: list[Callable[[str, str], None]] = field(default_factory=list)
    network_state: list[Callable[[bool], None]] = field(default_factory=list)
    catalogue_updated: list[Callable[[str], None]] = field(default_factory=list)
    disk_alarm: list[Callable[[bool], None]] = field(default_factory=list)


@dataclass(frozen=True)
class SyncSchedule:
    poll_interval_s: float = 5.0
    catalogue_refresh_s: float = 900.0
    heartbeat_s: float = 60.0
    chunk_bytes: int = 4 * 1024 * 1024


@dataclass(frozen=True)
class _Ahead:
    """What the helper thread's upload ahead achieved for one item."""

    item_id: str
    uploaded: frozenset[str]  # SHA-256s the platform confirmed complete
    sent: bool  # at least one part went out (the platform may hold parts of it now)
    error: PlatformError | None = None  # the request that failed (a real answer, not a halt)


class CatalogueCache:
    """The last verified catalogue on disk (document + signature + ETag), re-verified on load."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, raw: bytes, signature: str, etag: str | None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        doc = json.dumps({"document_b64": crypto.b64e(raw), "signature": signature,
                          "etag": etag}).encode()
        tmp = self.directory / "catalogue.json.tmp"
        with open(tmp, "wb") as f:
            f.write(doc)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.directory / "catalogue.json")
        fsync_dir(self.directory)

    def load(self, client: PlatformClient) -> tuple[dict[str, Any], str | None] | None:
        p = self.directory / "catalogue.json"
        if not p.exists():
            return None
        try:
            d = json.loads(p.read_text())
            r = client.verify_catalogue(crypto.b64d(d["document_b64"]), d["signature"], d["etag"])
        except (ValueError, KeyError, crypto.CryptoError):
            return None
        if r.error is not None or r.value is None or r.value.document is None:
            return None
        return r.value.document, d.get("etag")


class SyncWorker:
    def __init__(self, queue: OfflineQueue, client: PlatformClient, *,
                 schedule: SyncSchedule = SyncSchedule(), policy: RetryPolicy | None = None,
                 requests_dir: Path | None = None, catalogue_cache: CatalogueCache | None = None,
                 device_health: Callable[[], dict[str, str]] = dict,
                 pipeline: bool = True) -> None:
        self.queue = queue
        self.client = client
        self.schedule = schedule
        self.policy = policy or queue.policy
        self.requests_dir = requests_dir
        self.catalogue_cache = catalogue_cache
        self.device_health = device_health
        self.listeners = SyncListeners()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._online: bool | None = None
        self._pause_until = 0.0
        self._consecutive_failures = 0
        self._next_catalogue = 0.0
        self._next_heartbeat = 0.0
        self._last_alarm: bool | None = None
        self._stats_dirty = False
        self.catalogue_version: str | None = None
        self.catalogue: dict[str, Any] | None = None
        self.last_error: str | None = None
        self.delivered_count = 0
        self.pipeline = pipeline
        self._ahead_pool: ThreadPoolExecutor | None = None
        self._ahead_client: PlatformClient | None = None
        self._ahead: Future[_Ahead | None] | None = None
        self._ahead_read: Future[Prepared | None] | None = None  # what the helper uploads
        self._uploaded_ahead: _Ahead | None = None
        # Items the platform may hold parts of from an upload ahead: their next upload asks
        # for the platform's offset first instead of re-sending from zero.
        self._resume: set[str] = set()
        queue.add_listener(self._queue_changed)

    # -- control --------------------------------------------------------------------------------

    def start(self) -> None:
        if self.catalogue_cache is not None and self.catalogue is None:
            cached = self.catalogue_cache.load(self.client)
            if cached is not None:
                self.catalogue, _etag = cached
                self.catalogue_version = str(self.catalogue.get("version"))
        self._thread = threading.Thread(target=self._run, name="queue-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        if self._thread is None:
            self._close_ahead(timeout_s)

    def sync_now(self) -> None:
        """Wake the worker: try every due item now (staff 'sync' or network back)."""
        self._pause_until = 0.0
        self._wake.set()

    def notify_enqueued(self) -> None:
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def online(self) -> bool | None:
        """Whether the platform answered the last attempt (None: not tried yet)."""
        return self._online

    # -- loop -----------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.step()
            except Exception:  # a bug must not kill the worker; it is logged and retried
                log.exception("sync worker step failed")
                wait = self.schedule.poll_interval_s
            if wait > 0:
                self._wake.wait(wait)
            self._wake.clear()

    def step(self) -> float:
        """One round of work; returns how long to sleep before the next round."""
        now = time.time()
        if self._stats_dirty:
            self._emit_stats()
        self._handle_requests()
        if now >= self._next_catalogue or now >= self._next_heartbeat or \
                now < self._pause_until:
            # Before any request, or while backing off (its failure counts at once): a failed
            # upload ahead pauses the worker. Otherwise the claim below settles it.
            self._settle_ahead()
        if now >= self._next_catalogue:
            self.refresh_catalogue()
            self._next_catalogue = now + self.schedule.catalogue_refresh_s
        if now >= self._next_heartbeat:
            self.send_heartbeat()
            self._next_heartbeat = now + self.schedule.heartbeat_s
        if time.time() >= self._pause_until:
            claim, job = self._claim_next()
            if claim is not None:
                self._deliver(claim, self.pipeline, job)
                return 0.0
            if time.time() >= self._pause_until:
                self.queue.flush_deletes()  # idle: one WAL sync covers the deliveries
        stats = self.queue.stats()
        due = [self._next_catalogue, self._next_heartbeat, now + self.schedule.poll_interval_s]
        if stats.next_attempt_at is not None:
            due.append(max(stats.next_attempt_at, self._pause_until))
        return max(0.0, min(due) - time.time())

    def run_until_idle(self, timeout_s: float = 30.0) -> QueueStats:
        """Foreground sync (``kiosk-diag queue sync`` when the kiosk is not running): deliver
        until nothing is due, honouring backoff, within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        self._pause_until = 0.0
        try:
            while time.monotonic() < deadline:
                if time.time() < self._pause_until:
                    self._settle_ahead()
                    time.sleep(max(0.0, min(self._pause_until - time.time(),
                                            deadline - time.monotonic(), 0.5)))
                    continue
                claim, job = self._claim_next()
                if claim is None:
                    if time.time() < self._pause_until:
                        continue  # an upload ahead failed: its attempt is recorded, back off
                    break
                self._deliver(claim, self.pipeline, job)
            self._settle_ahead()
        finally:
            if self._thread is None:
                self._close_ahead()
        self.queue.flush_deletes()
        return self.queue.stats()

    # -- delivery -------------------------------------------------------------------------------

    def deliver(self, claim: Claim) -> bool:
        """Deliver one item the caller has leased (no upload ahead of the next one)."""
        self._settle_ahead()
        return self._deliver(claim, pipelined=False)

    def _claim_next(self) -> tuple[Claim | None, Future[Prepared | None] | None]:
        """Lease the next item; ``(None, None)`` when nothing is due or the worker must back
        off first. With an upload ahead going, the item it uploads is leased at once and the
        read of the one after it starts (returned as the job for :meth:`_deliver`); only then
        does this wait for the upload, whose failure is that attempt's."""
        item_id = self._ahead_item()
        if item_id is not None:
            claim = self.queue.claim_next(only=item_id)
            if claim is not None:
                job = self.queue.read_ahead(claim.id) if claim.error is None else None
                if self._settle_ahead(claim):
                    return claim, job
                return None, None
        self._settle_ahead()
        if time.time() < self._pause_until:
            return None, None
        # Pipelined, an item nobody read ahead (the first of a backlog) is read beside the one
        # after it, not before it.
        return self.queue.claim_next(read_next=self.pipeline), None

    def _ahead_item(self) -> str | None:
        """The item the helper is uploading (its read is done by the time it matters)."""
        read = self._ahead_read
        if self._ahead is None or read is None:
            return None
        try:
            prepared = read.result()
        except Exception:  # the helper sees the same error and uploads nothing
            return None
        return prepared.item_id if prepared is not None and prepared.blobs else None

    def _deliver(self, claim: Claim, pipelined: bool,
                 job: Future[Prepared | None] | None = None) -> bool:
        """``job``: the read of the next item, if :meth:`_claim_next` started it already."""
        if claim.error is not None:  # the payload did not read back intact: staff must see it
            self._failed(claim, Failure(codes.CORRUPT.code, claim.error, transient=False))
            return False
        manifest = claim.manifest
        if job is None:  # the next item's read + hashes overlap this item's own uploads
            job = self.queue.read_ahead(claim.id)
        ahead, self._uploaded_ahead = self._uploaded_ahead, None
        done = ahead.uploaded if ahead is not None and ahead.item_id == claim.id else frozenset()
        for (_name, _local, _size, sha), blob in zip(claim.attachments, claim.blobs, strict=True):
            if sha in done:  # uploaded ahead, and the platform said complete
                continue
            up = self.client.upload_attachment(sha, blob, self.schedule.chunk_bytes,
                                               self._stop.is_set,
                                               # a retry, or parts may be there already
                                               ask_first=claim.attempt_number > 1
                                               or claim.id in self._resume,
                                               # finalise_manifest hashed these very bytes
                                               sha256_computed=True)
            if up.error is not None:
                self._upload_failed(claim, up.error)
                return False
        # While the manifest is on the wire, pipelined: the upload of the next item's
        # attachments on the helper thread.
        if pipelined and job is not None:
            self._start_ahead(job)
        res = self.client.submit_application(claim.id, manifest)
        if res.error is not None:
            self._failed(claim, self._failure(res.error))
            return False
        receipt = res.unwrap()
        self.queue.record_delivered(claim, receipt.case_number, receipt.raw, receipt.signature)
        self._resume.discard(claim.id)
        self._consecutive_failures = 0
        self._pause_until = 0.0
        self.delivered_count += 1
        self._set_online(True)
        log.info("queue.delivered", extra={"fields": {"application_id": claim.id,
                                                      "case_number": receipt.case_number,
                                                      "attempt": claim.attempt_number}})
        for cb in list(self.listeners.delivered):
            cb(claim.id, receipt.case_number)
        return True

    def _upload_failed(self, claim: Claim, err: PlatformError) -> None:
        if err.code == "ATTACHMENT_HASH_MISMATCH":  # the local file is damaged
            self._failed(claim, Failure(codes.CORRUPT.code, err.describe(), transient=False))
        else:
            self._failed(claim, self._failure(err))

    # -- upload ahead (pipelining) --------------------------------------------------------------

    def _halted(self) -> bool:
        """The helper thread must not start a request: stopping, or the worker is paused."""
        return self._stop.is_set() or time.time() < self._pause_until

    def _start_ahead(self, job: Future[Prepared | None]) -> None:
        if self._ahead is not None or self._halted():
            return
        if self._ahead_pool is None:
            self._ahead_pool = ThreadPoolExecutor(max_workers=1,
                                                  thread_name_prefix="queue-upload-ahead")
            self._ahead_client = self.client.clone()
        self._ahead_read = job
        self._ahead = self._ahead_pool.submit(self._upload_ahead, job, frozenset(self._resume))

    def _upload_ahead(self, job: Future[Prepared | None], resume: frozenset[str]
                      ) -> _Ahead | None:
        """Helper thread: upload the next item's attachments (no state change)."""
        client = self._ahead_client
        prepared = job.result()
        if client is None or prepared is None or not prepared.blobs:
            return None
        halted = False
        sent = False

        def halt() -> bool:  # checked before every part: nothing goes out once it says so
            nonlocal halted, sent
            halted = self._halted()
            sent = sent or not halted
            return halted

        if not self._halted():
            # The item after this one is read and hashed during this upload, so its own upload
            # can start as soon as this item's manifest goes out.
            self.queue.read_ahead(prepared.item_id)
        ask_first = prepared.attempts > 0 or prepared.item_id in resume
        uploaded: set[str] = set()
        for sha, blob in prepared.uploads:
            if halt():
                break
            up = client.upload_attachment(sha, blob, self.schedule.chunk_bytes, halt,
                                          ask_first=ask_first, sha256_computed=True)
            if up.error is not None:
                if halted:  # stopped before a part, not an answer from the platform
                    break
                return _Ahead(prepared.item_id, frozenset(uploaded), sent, up.error)
            uploaded.add(sha)
        return _Ahead(prepared.item_id, frozenset(uploaded), sent)

    def _settle_ahead(self, claim: Claim | None = None) -> bool:
        """Worker thread, before any other request: take the helper's outcome. A failed upload
        ahead was the first request of that item's next attempt, so it is that attempt's
        failure: recorded now (its backoff, the worker's pause) on ``claim`` if that is the
        item's lease already, else the item is leased for it. Returns False if ``claim``'s
        attempt failed so."""
        job, self._ahead, self._ahead_read = self._ahead, None, None
        if job is None:
            return True
        try:
            ahead = job.result()
        except Exception:  # a bug must not stop deliveries; the item uploads normally
            log.exception("queue.upload_ahead_failed")
            return True
        if ahead is None:
            return True
        if ahead.sent:
            self._resume.add(ahead.item_id)
        if ahead.error is None:
            self._uploaded_ahead = ahead
            return True
        if claim is not None and claim.id == ahead.item_id:
            self._upload_failed(claim, ahead.error)
            return False
        failed = self.queue.claim_next(only=ahead.item_id)
        if failed is not None:
            self._upload_failed(failed, ahead.error)
        else:  # no longer due (re-driven, gone): the worker backs off all the same
            failure = self._failure(ahead.error)
            if failure.transient:
                self._pause_after(failure)
        return True

    def _close_ahead(self, timeout_s: float | None = None) -> None:
        """Drop the helper (its outcome unused: the item simply uploads at its next attempt).
        It sends no new part once stopping; one already on the wire gets ``timeout_s``."""
        job, self._ahead, self._ahead_read = self._ahead, None, None
        finished = True
        if job is not None:
            finished = not wait([job], timeout_s).not_done
        if self._ahead_pool is not None:
            self._ahead_pool.shutdown(wait=finished)
            self._ahead_pool = None
        if self._ahead_client is not None:
            self._ahead_client.close()
            self._ahead_client = None

    @staticmethod
    def _failure(err: PlatformError) -> Failure:
        code = err.error_code
        if not err.transient:
            code = err.code or code
        return Failure(code, err.describe(), err.transient, err.retry_after_s)

    def _failed(self, claim: Claim, failure: Failure) -> None:
        delay = self.queue.record_failure(claim, failure)
        self.last_error = failure.error_code
        log.warning("queue.attempt_failed", extra={"fields": {
            "application_id": claim.id, "attempt": claim.attempt_number,
            "error_code": failure.error_code, "transient": failure.transient,
            "delay_s": round(delay, 3) if delay is not None else None,
            "detail": failure.detail[:200]}})
        if failure.transient:
            self._pause_after(failure)
        else:
            self._resume.discard(claim.id)
            for cb in list(self.listeners.dead_lettered):
                cb(claim.id, failure.error_code)

    def _pause_after(self, failure: Failure) -> None:
        self._consecutive_failures += 1
        # The worker as a whole backs off too (full jitter), so after a failure it does not
        # hammer the platform with the next item in line.
        pause = self.policy.delay(self._consecutive_failures, failure.retry_after_s)
        self._pause_until = max(self._pause_until, time.time() + pause)
        if failure.error_code.startswith("NET-01"):
            self._set_online(False)

    def _set_online(self, online: bool) -> None:
        if online != self._online:
            self._online = online
            for cb in list(self.listeners.network_state):
                cb(online)

    def _queue_changed(self) -> None:
        """Called by the queue after any change, on any thread: cheap; the stats are computed
        on the worker thread (an enqueue from the UI side never waits for them)."""
        if threading.current_thread() is self._thread or self._thread is None:
            self._emit_stats()
        else:
            self._stats_dirty = True
            self._wake.set()

    def _emit_stats(self) -> None:
        self._stats_dirty = False
        if not (self.listeners.queue_changed or self.listeners.disk_alarm):
            return
        stats = self.queue.stats()
        for cb in list(self.listeners.queue_changed):
            cb(stats.depth, stats.oldest_age_s or 0.0)
        if stats.disk_alarm != self._last_alarm:
            self._last_alarm = stats.disk_alarm
            if stats.disk_alarm:
                log.warning("queue.disk_alarm", extra={"fields": {
                    "error_code": codes.DISK_ALARM.code, "disk_bytes": stats.disk_bytes,
                    "budget": stats.disk_budget_bytes}})
            for alarm_cb in list(self.listeners.disk_alarm):
                alarm_cb(stats.disk_alarm)

    # -- schedules ------------------------------------------------------------------------------

    def refresh_catalogue(self) -> bool:
        etag = self.queue.get_meta("catalogue_etag") if self.catalogue is not None else None
        r = self.client.get_catalogue(etag)
        if r.error is not None or r.value is None:
            if r.error is not None:
                self.last_error = r.error.error_code
                log.warning("catalogue.refresh_failed",
                            extra={"fields": {"error": r.error.describe()}})
            return False
        fetch = r.value
        if fetch.not_modified:
            return True
        assert fetch.document is not None and fetch.document_bytes is not None
        if self.catalogue_cache is not None and fetch.signature is not None:
            self.catalogue_cache.save(fetch.document_bytes, fetch.signature, fetch.etag)
        if fetch.etag:
            self.queue.set_meta("catalogue_etag", fetch.etag)
        self.catalogue = fetch.document
        self.catalogue_version = fetch.version
        for cb in list(self.listeners.catalogue_updated):
            cb(fetch.version or "")
        return True

    def heartbeat_report(self) -> dict[str, Any]:
        stats = self.queue.stats()
        return {"terminal_id": self.client.terminal_id,
                "time": datetime.now(UTC).isoformat(timespec="seconds"),
                "software_version": __version__, "catalogue_version": self.catalogue_version,
                "queue_depth": stats.depth,
                "oldest_item_age_s": round(stats.oldest_age_s, 1)
                if stats.oldest_age_s is not None else None,
                "dead_letters": stats.dead, "last_error": self.last_error,
                "devices": dict(self.device_health())}

    def send_heartbeat(self) -> bool:
        r = self.client.heartbeat(self.heartbeat_report())
        if r.error is not None:
            if r.error.error_code.startswith("NET-01"):  # unreachable, not merely unhappy
                self._set_online(False)
            return False
        self._set_online(True)
        return True

    # -- staff requests from another process (kiosk-diag while the kiosk runs) ------------------

    def _handle_requests(self) -> None:
        d = self.requests_dir
        if d is None or not d.exists():
            return
        for req in sorted(d.iterdir()):
            name = req.name
            req.unlink(missing_ok=True)
            if name == REQUEST_SYNC:
                self._pause_until = 0.0
            elif name.startswith(REQUEST_REDRIVE_PREFIX):
                self.queue.redrive(name[len(REQUEST_REDRIVE_PREFIX):])

