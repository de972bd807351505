"""The queue's blob store: one file per sealed attachment under ``<root>/``, written crash-safely.

A blob goes into a *spare*: an empty file created ahead of time by a background thread, whose
name was made durable (directory fsync) before it is handed out. So an enqueue writes into an
existing name and needs one fsync of the file (data + size) and no rename, no directory fsync:
measured on the kiosk's ext4, creating the file (~0.2 ms), the rename and the directory fsync
that made a new name durable cost as much as the data fsync itself. Only if no spare is ready
(a burst) is a file created on the enqueue path, and then its directory is fsynced too.

:meth:`BlobStore.finish_puts` returns once the content is on stable storage; only then may a row
refer to the file. After a power cut every file a committed row refers to holds its complete
content; any other file (an enqueue that had not returned, or a spare) is deleted by recovery at
the next open. Rows keep each blob's BLAKE3-256 (its content hash), so a read verifies itself.
BLAKE3 rather than SHA-256 because the hash is on the enqueue path (the citizen waits): on the
kiosk CPUs without SHA extensions SHA-256 of 1 MB costs 2.6-5 ms; BLAKE3 (SIMD) ~0.2 ms.

Names: new blobs have random 32-hex names; queues written before 2026-12 named each file by its
content hash (64 hex: BLAKE3, or SHA-256 before that), and those still read and verify.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import blake3

_NAME = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{64})$")
# Each blob is written by one writev on a descriptor opened with O_DSYNC: the write returns once
# data and size are on stable storage, so the writer thread needs the interpreter lock only to
# start it (a separate fsync would need it again in between, while the enqueue thread holds it).
_WRITE_FLAGS = os.O_WRONLY | getattr(os, "O_DSYNC", 0)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def content_hash(data: bytes) -> str:
    return blake3.blake3(data).hexdigest()


def matches(name: str, data: bytes) -> bool:
    """``data`` hashes to ``name`` (BLAKE3, or SHA-256 for blobs written before the switch)."""
    return content_hash(data) == name or hashlib.sha256(data).hexdigest() == name


class BlobCorrupt(Exception):
    """A blob is missing or its content does not hash to its name."""


@dataclass(eq=False)
class PendingBlob:
    """A blob between :meth:`BlobStore.start_put` and :meth:`BlobStore.finish_puts` (durable)
    or :meth:`BlobStore.abort_puts` (taken back)."""

    file: str  # the file's name in the store
    fd: int  # -1 once released
    fresh: bool  # created on the enqueue path (its name still needs a directory fsync)
    size: int
    flushed: Future[None] = field(default_factory=Future)  # the writer thread's durable write
    name: str = ""  # the content hash (BLAKE3), computed while the writer writes


class BlobStore:
    def __init__(self, root: Path, spares: int = 8) -> None:
        self.root = root
        self.tmp = root / "tmp"  # only for leftovers of older versions (cleared at recovery)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blob-write")
        self._spare_io: ThreadPoolExecutor | None = None
        self._spare_target = spares
        self._spares: deque[tuple[str, int]] = deque()
        self._spare_job: Future[None] | None = None
        self._spare_lock = threading.Lock()
        self._closed = False

    # -- life cycle ------------------------------------------------------------------------------

    def start_spares(self) -> None:
        """Keep spare files ready from now on (the writer process, after recovery)."""
        if self._spare_io is None:
            self._spare_io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blob-spares")
        self.refill()

    def close(self) -> None:
        with self._spare_lock:
            self._closed = True
            job = self._spare_job
        if job is not None:
            wait([job])
        if self._spare_io is not None:
            self._spare_io.shutdown(wait=True)
        self._io.shutdown(wait=True)
        # Spares are empty and unreferenced; after a crash recovery deletes them instead.
        while self._spares:
            name, fd = self._spares.popleft()
            os.close(fd)
            (self.root / name).unlink(missing_ok=True)

    def wait_idle(self) -> None:
        """Until the background refill of spares (if any) is done (tests, benchmarks)."""
        job = self._spare_job
        if job is not None:
            wait([job])

    # -- spares ----------------------------------------------------------------------------------

    def refill(self) -> None:
        """Top the spares up in the background once half are used (one directory fsync per
        batch of new names)."""
        with self._spare_lock:
            if (self._closed or self._spare_io is None
                    or len(self._spares) > self._spare_target // 2
                    or (self._spare_job is not None and not self._spare_job.done())):
                return
            self._spare_job = self._spare_io.submit(self._make_spares)

    def _make_spares(self) -> None:
        made: list[tuple[str, int]] = []
        try:
            while len(self._spares) + len(made) < self._spare_target:
                name = uuid.uuid4().hex
                made.append((name, os.open(self.root / name,
                                           _WRITE_FLAGS | os.O_CREAT | os.O_EXCL, 0o600)))
            fsync_dir(self.root)  # the names are durable before any row can refer to them
        except BaseException:
            for name, fd in made:
                os.close(fd)
                (self.root / name).unlink(missing_ok=True)
            raise
        self._spares.extend(made)

    def _spare_names(self) -> list[str]:
        return [name for name, _fd in list(self._spares)]

    # -- writing ---------------------------------------------------------------------------------

    def _take_file(self) -> tuple[str, int, bool]:
        """A spare (name durable already) or, if none is ready, a file created here."""
        try:
            name, fd = self._spares.popleft()
            return name, fd, False
        except IndexError:
            name = uuid.uuid4().hex
            return name, os.open(self.root / name, _WRITE_FLAGS | os.O_CREAT | os.O_EXCL,
                                 0o600), True

    def start_put(self, parts: list[bytes]) -> PendingBlob:
        """Begin storing the concatenation of ``parts``: the writer thread writes it with
        ``O_DSYNC`` (one system call: data and size on stable storage when it returns) while
        this thread hashes it. Returns with the content hash, the write possibly still in
        flight; then :meth:`finish_puts` (durable) or :meth:`abort_puts` (taken back).

        Returns only once the writer has started (a handshake): a thread waiting for the
        interpreter lock while this one computes would otherwise start its write only when this
        one next blocks, up to the 5 ms switch interval later."""
        file, fd, fresh = self._take_file()
        pending = PendingBlob(file, fd, fresh, sum(len(p) for p in parts))
        started = threading.Event()
        try:
            pending.flushed = self._io.submit(self._write_all, fd, parts, started)
        except BaseException:
            os.close(fd)
            (self.root / file).unlink(missing_ok=True)
            raise
        try:
            started.wait()
            h = blake3.blake3()
            for part in parts:
                h.update(part)
            pending.name = h.hexdigest()
        except BaseException:
            self.abort_puts([pending])
            raise
        return pending

    @staticmethod
    def _write_all(fd: int, parts: list[bytes], started: threading.Event) -> None:
        started.set()
        views = [memoryview(p) for p in parts if p]
        while views:  # one writev; a short write (rare) continues where it stopped
            n = os.writev(fd, views)
            while views and n >= len(views[0]):
                n -= len(views[0])
                views.pop(0)
            if views and n:
                views[0] = views[0][n:]
        if not _WRITE_FLAGS & os.O_DSYNC:
            os.fsync(fd)

    def put(self, data: bytes) -> str:
        """Store ``data`` durably; return the file's name (tests and tools)."""
        return self.put_parts([data])

    def put_parts(self, parts: list[bytes]) -> str:
        pending = self.start_put(parts)
        self.finish_puts([pending])
        return pending.file

    def finish_puts(self, pending: list[PendingBlob]) -> None:
        """Wait until every pending blob is on stable storage (names created on the enqueue path
        made durable by one directory fsync). On failure every one of them is taken back and
        the error raised."""
        try:
            if any(p.fresh for p in pending):
                fsync_dir(self.root)
            for p in pending:
                p.flushed.result()
        except BaseException:
            self.abort_puts(pending)
            raise
        for p in pending:
            self._release(p, keep=True)

    def abort_puts(self, pending: list[PendingBlob]) -> None:
        """Take pending blobs back (their enqueue failed): no row refers to them."""
        for p in pending:
            self._release(p, keep=False)

    def _release(self, p: PendingBlob, keep: bool) -> None:
        if p.fd < 0:
            return
        wait([p.flushed])  # never close the fd under a write still in flight
        os.close(p.fd)
        p.fd = -1
        if not keep:
            # No directory fsync: an unlink lost in a crash leaves an unreferenced file, which
            # recovery deletes at the next open.
            (self.root / p.file).unlink(missing_ok=True)

    # -- reading and housekeeping ----------------------------------------------------------------

    def path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValueError("not a blob name")
        return self.root / name

    def get(self, name: str, expected: str | None = None, verify: bool = True) -> bytes:
        """The blob in file ``name``, checked against its content hash ``expected`` (default:
        the name itself, as legacy content-addressed files are named) unless ``verify=False``."""
        try:
            data = self.path(name).read_bytes()
        except FileNotFoundError:
            raise BlobCorrupt(f"blob {name[:12]}… missing") from None
        if verify and not matches(expected or name, data):
            raise BlobCorrupt(f"blob {name[:12]}… corrupt")
        return data

    def delete(self, name: str) -> None:
        # No directory fsync: an unlink lost in a crash leaves an unreferenced file, which
        # recovery deletes at the next open.
        self.path(name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        """Every blob file but this process's spares (which no row may refer to yet)."""
        spares = set(self._spare_names())
        for f in self.root.iterdir():
            if _NAME.match(f.name) and f.name not in spares:
                yield f.name

    def clear_tmp(self) -> int:
        n = 0
        for f in self.tmp.iterdir():
            f.unlink(missing_ok=True)
            n += 1
        return n

    def usage_bytes(self) -> int:
        total = 0
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                try:
                    total += os.stat(os.path.join(dirpath, name)).st_size
                except FileNotFoundError:
                    pass
        return total
