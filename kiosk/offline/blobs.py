"""The queue's blob store: one file per sealed attachment under ``<root>/``, written crash-safely.

How a blob is written, and why (measured on the kiosk's ext4, 1 MB blobs; see
bench/bench_queue.py):

- Into a *spare*: an empty file created ahead of time by a background thread, whose name was made
  durable (directory fsync) before it is handed out. An enqueue writes into an existing name, so
  it needs no file creation (~0.2 ms), no rename and no directory fsync on the citizen's wait.
  Only if no spare is ready (a burst) is a file created on the way, and its directory fsynced.
- With one ``O_DIRECT | O_DSYNC`` write from a page-aligned buffer: the data goes from that
  buffer to the device (no copy into the page cache and no write-back of it, which on the kiosk
  cost more than the device itself: 1 MB buffered write + fsync 2.9 ms, direct 1.1-1.4 ms) and
  the call returns once data, allocation and size are on stable storage. Direct I/O moves whole
  blocks, so the file is the blob followed by zeros up to a multiple of 4 KiB; the row keeps
  the blob's size and readers take that many bytes. Where the file system refuses direct I/O
  (tmpfs), the blob is written as is with ``O_DSYNC``.
- On the calling thread: handing the write to a helper thread (to overlap it with sealing the
  payload) lost more than it saved on the shared 2-core kiosk, where a woken thread waited
  ~1 ms for a core.

:meth:`BlobStore.write` returns once the content is on stable storage and
:meth:`BlobStore.finish_puts` once every name is; only then may a row refer to the file. After a
power cut every file a committed row refers to holds its complete content; any other file (an
enqueue that had not returned, or a spare) is deleted by recovery at the next open. Rows keep
each blob's BLAKE3-256 (its content hash), so a read verifies itself. BLAKE3 rather than
SHA-256 because the hash is on the enqueue path: on the kiosk CPUs without SHA extensions
SHA-256 of 1 MB costs 2.6-5 ms; BLAKE3 (SIMD) ~0.2 ms.

Names: new blobs have random 32-hex names; queues written before 2026-12 named each file by its
content hash (64 hex: BLAKE3, or SHA-256 before that), and those still read and verify.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import blake3

_NAME = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{64})$")
_BLOCK = 4096  # direct I/O alignment (the logical block size of any disk the kiosk uses, or a
#                multiple of it); a write the device refuses falls back to buffered O_DSYNC
_O_DIRECT = getattr(os, "O_DIRECT", 0)
_O_DSYNC = getattr(os, "O_DSYNC", 0)
_KEEP_BUFFER = 8 << 20  # the aligned buffer is kept between enqueues up to this size


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
    """A blob written (content durable) whose row is not committed yet: then
    :meth:`BlobStore.finish_puts` (names durable) or :meth:`BlobStore.abort_puts` (taken back)."""

    file: str  # the file's name in the store
    name: str  # the content hash (BLAKE3)
    size: int  # the blob's size (the file may be longer: zeros up to a block boundary)
    fresh: bool  # created on the enqueue path: its name still needs a directory fsync


class BlobStore:
    def __init__(self, root: Path, spares: int = 8) -> None:
        self.root = root
        self.tmp = root / "tmp"  # only for leftovers of older versions (cleared at recovery)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._spare_io: ThreadPoolExecutor | None = None
        self._spare_target = spares
        self._spares: deque[tuple[str, int, bool]] = deque()  # (name, fd, direct)
        self._spare_job: Future[None] | None = None
        self._spare_lock = threading.Lock()
        self._closed = False
        self._direct = bool(_O_DIRECT)  # until the file system refuses it
        self._buffer: mmap.mmap | None = None
        self._buffer_lock = threading.Lock()
        self.spare_busy_s = 0.0  # time the background thread spent making spares (benchmarks)

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
        # Spares are empty and unreferenced; after a crash recovery deletes them instead.
        while self._spares:
            name, fd, _direct = self._spares.popleft()
            os.close(fd)
            (self.root / name).unlink(missing_ok=True)
        with self._buffer_lock:
            if self._buffer is not None:
                self._buffer.close()
                self._buffer = None

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
        started = time.perf_counter()
        made: list[tuple[str, int, bool]] = []
        try:
            while len(self._spares) + len(made) < self._spare_target:
                name = uuid.uuid4().hex
                made.append((name, *self._create(name)))
            fsync_dir(self.root)  # the names are durable before any row can refer to them
        except BaseException:
            for name, fd, _direct in made:
                os.close(fd)
                (self.root / name).unlink(missing_ok=True)
            raise
        self._spares.extend(made)
        self.spare_busy_s += time.perf_counter() - started

    def _create(self, name: str) -> tuple[int, bool]:
        """A new empty file opened for the blob's write; and whether that write is direct."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_DSYNC
        if self._direct:
            try:
                return os.open(self.root / name, flags | _O_DIRECT, 0o600), True
            except OSError as e:
                if e.errno != errno.EINVAL:
                    raise
                self._direct = False  # e.g. tmpfs: buffered O_DSYNC from now on
                (self.root / name).unlink(missing_ok=True)
        return os.open(self.root / name, flags, 0o600), False

    def _spare_names(self) -> list[str]:
        return [name for name, _fd, _direct in list(self._spares)]

    # -- writing ---------------------------------------------------------------------------------

    def write(self, parts: list[bytes]) -> PendingBlob:
        """Store the concatenation of ``parts`` durably in a spare (or a new file); returns once
        the content is on stable storage. A row may refer to it after :meth:`finish_puts`."""
        try:
            file, fd, direct = self._spares.popleft()
            fresh = False
        except IndexError:
            file = uuid.uuid4().hex
            fd, direct = self._create(file)
            fresh = True
        h = blake3.blake3()
        for part in parts:
            h.update(part)
        pending = PendingBlob(file, h.hexdigest(), sum(len(p) for p in parts), fresh)
        try:
            if direct and not self._write_direct(fd, parts, pending.size):
                # Refused (alignment): start again, buffered.
                os.close(fd)
                fd = -1
                fd = os.open(self.root / file, os.O_WRONLY | os.O_TRUNC | _O_DSYNC)
                direct = False
            if not direct:
                for part in parts:
                    _write_all(fd, memoryview(part))
                if not _O_DSYNC:
                    os.fsync(fd)
        except BaseException:
            if fd >= 0:
                os.close(fd)
            (self.root / file).unlink(missing_ok=True)
            raise
        os.close(fd)
        return pending

    def _write_direct(self, fd: int, parts: list[bytes], size: int) -> bool:
        """One O_DIRECT | O_DSYNC write of the blob padded with zeros to a block boundary;
        False if the device refused it (EINVAL: alignment), and no more direct writes then."""
        padded = -(-size // _BLOCK) * _BLOCK
        with self._buffer_lock:
            buf = self._aligned(padded)
            try:
                offset = 0
                for part in parts:
                    buf[offset:offset + len(part)] = part
                    offset += len(part)
                buf[size:padded] = bytes(padded - size)
                try:
                    _write_all(fd, memoryview(buf)[:padded])
                except OSError as e:
                    if e.errno != errno.EINVAL:
                        raise
                    self._direct = False
                    return False
                return True
            finally:
                if len(buf) > _KEEP_BUFFER:
                    buf.close()
                    self._buffer = None

    def _aligned(self, size: int) -> mmap.mmap:
        """A page-aligned buffer of at least ``size`` bytes (caller holds ``_buffer_lock``)."""
        if self._buffer is None or len(self._buffer) < size:
            if self._buffer is not None:
                self._buffer.close()
            self._buffer = mmap.mmap(-1, max(size, 1 << 20))
        return self._buffer

    def put(self, data: bytes) -> str:
        """Store ``data`` durably; return the file's name (tests and tools)."""
        return self.put_parts([data])

    def put_parts(self, parts: list[bytes]) -> str:
        pending = self.write(parts)
        self.finish_puts([pending])
        return pending.file

    def finish_puts(self, pending: list[PendingBlob]) -> None:
        """Names created on the enqueue path made durable (one directory fsync for all). On
        failure every blob is taken back and the error raised."""
        try:
            if any(p.fresh for p in pending):
                fsync_dir(self.root)
        except BaseException:
            self.abort_puts(pending)
            raise

    def abort_puts(self, pending: list[PendingBlob]) -> None:
        """Take blobs back (their enqueue failed): no row refers to them. No directory fsync: an
        unlink lost in a crash leaves an unreferenced file, which recovery deletes."""
        for p in pending:
            (self.root / p.file).unlink(missing_ok=True)

    # -- reading and housekeeping ----------------------------------------------------------------

    def path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise ValueError("not a blob name")
        return self.root / name

    def get(self, name: str, expected: str | None = None, size: int | None = None,
            verify: bool = True) -> bytes:
        """The blob in file ``name`` (its first ``size`` bytes: a file written directly is
        padded to a block boundary), checked against its content hash ``expected`` (default:
        the name itself, as legacy content-addressed files are named) unless ``verify=False``."""
        try:
            with open(self.path(name), "rb") as f:
                data = f.read() if size is None else f.read(size)
        except FileNotFoundError:
            raise BlobCorrupt(f"blob {name[:12]}… missing") from None
        if verify and ((size is not None and len(data) != size)
                       or not matches(expected or name, data)):
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


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        n = os.write(fd, view)
        view = view[n:]
