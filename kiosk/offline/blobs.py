"""The queue's blob store: one file per sealed attachment under ``<root>/``, written crash-safely.

How a blob is written, and why (measured on the kiosk's ext4, 1 MB blobs; see
bench/bench_queue.py):

- Into a *spare*: an empty file created ahead of time by a background thread, whose name was made
  durable (directory fsync) before it is handed out. An enqueue writes into an existing name, so
  it needs no file creation (~0.2 ms), no rename and no directory fsync on the citizen's wait.
  Only if no spare is ready (a burst) is a file created on the way, and its directory fsynced.
- With ``O_DIRECT`` writes from a page-aligned buffer, then ``fdatasync``: the data goes from
  that buffer to the device (no copy into the page cache and no write-back of it, which on the
  kiosk cost more than the device itself: 1 MB buffered write + fsync 2.4-3.6 ms, direct write
  + fdatasync 1.1-1.5 ms, measured interleaved). Direct I/O moves whole blocks, so the file is
  the blob followed by zeros up to a multiple of 4 KiB; the row keeps the blob's size and
  readers take that many bytes. Where the file system refuses direct I/O (tmpfs), the blob is
  written as is, buffered, then fdatasync'd.
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
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import blake3

_NAME = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{64})$")
_BLOCK = 4096  # direct I/O alignment (the logical block size of any disk the kiosk uses, or a
#                multiple of it); a write the device refuses falls back to buffered writes
_O_DIRECT = getattr(os, "O_DIRECT", 0)
_O_DSYNC = getattr(os, "O_DSYNC", 0)
_KEEP_BUFFERS = 2  # aligned buffers kept between enqueues (one per attachment of an enqueue;
#                   an application with more allocates the others for its own time)
_BUFFER = 2 << 20  # the aligned buffers direct writes go through (kept: a fresh one per blob
#                    cost ~0.8 ms of page faults per MB); larger blobs go through one in turns


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
    """A blob between :meth:`BlobStore.prepare` (or ``prepare_into``) and
    :meth:`BlobStore.finish_puts` (content and name durable) or :meth:`BlobStore.abort_puts`
    (taken back)."""

    file: str  # the file's name in the store
    name: str  # the content hash (BLAKE3), once BlobStore.hash computed it
    size: int  # the blob's size (the file may be longer: zeros up to a block boundary)
    fresh: bool  # created on the enqueue path: its name still needs a directory fsync
    fd: int = -1  # open until written (or taken back)
    parts: list[bytes] = field(default_factory=list, repr=False)
    buffer: mmap.mmap | None = None  # the aligned buffer holding the blob (pooled)
    direct: bool = False  # fd is O_DIRECT | O_DSYNC


class BlobStore:
    def __init__(self, root: Path, spares: int = 8) -> None:
        self.root = root
        self.tmp = root / "tmp"  # only for leftovers of older versions (cleared at recovery)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._spare_io: ThreadPoolExecutor | None = None
        self._spare_target = spares
        self._spares: deque[str] = deque()  # names of empty files, durable, no row refers to
        self._making: set[str] = set()  # spares being created (not handed out yet either)
        self._spare_job: Future[None] | None = None
        self._spare_lock = threading.Lock()
        self._closed = False
        self._direct = bool(_O_DIRECT)  # until the file system refuses it
        self._buffers: list[mmap.mmap] = []  # free aligned buffers (a few kept)
        self._buffer_lock = threading.Lock()
        self.spare_busy_s = 0.0  # time the background thread spent making spares (benchmarks)

    # -- life cycle ------------------------------------------------------------------------------

    def start_spares(self) -> None:
        """Keep spare files ready from now on (the writer process, after recovery), and one
        aligned buffer (touched now: its memory is the process's from the start, not growth
        at the first application)."""
        if self._spare_io is None:
            self._spare_io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blob-spares")
        if self._direct:
            with self._buffer_lock:
                if not self._buffers:
                    buf = mmap.mmap(-1, _BUFFER)
                    buf.write(bytes(_BUFFER))
                    self._buffers.append(buf)
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
            (self.root / self._spares.popleft()).unlink(missing_ok=True)
        with self._buffer_lock:
            for buf in self._buffers:
                buf.close()
            self._buffers.clear()

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
        made: list[str] = []
        try:
            while len(self._spares) + len(made) < self._spare_target:
                name = uuid.uuid4().hex
                self._making.add(name)
                os.close(os.open(self.root / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                made.append(name)
            fsync_dir(self.root)  # the names are durable before any row can refer to them
        except BaseException:
            for name in made:
                (self.root / name).unlink(missing_ok=True)
            self._making.clear()
            raise
        self._spares.extend(made)
        self._making.clear()
        self.spare_busy_s += time.perf_counter() - started

    def _open(self, name: str, create: bool) -> tuple[int, bool]:
        """The blob's file opened for its write (a spare, or created); and whether that write
        is direct. Spares are kept as names, not open descriptors (the soak counts those)."""
        flags = os.O_WRONLY | (os.O_CREAT | os.O_EXCL if create else 0)
        if self._direct:
            try:
                # O_DSYNC: the direct write returns once data, allocation and size are durable:
                # one system call.
                return os.open(self.root / name, flags | _O_DIRECT | _O_DSYNC, 0o600), True
            except OSError as e:
                if e.errno != errno.EINVAL:
                    raise
                self._direct = False  # e.g. tmpfs: buffered writes from now on
                if create:
                    (self.root / name).unlink(missing_ok=True)
        return os.open(self.root / name, flags, 0o600), False

    def _spare_names(self) -> list[str]:
        """Spares ready or being made (no row refers to them)."""
        making = list(self._making)  # first: a spare leaves it only after joining the deque
        return making + list(self._spares)

    # -- writing ---------------------------------------------------------------------------------

    def prepare_into(self, room: int, fill: Callable[[memoryview], int]) -> PendingBlob:
        """A blob that ``fill`` writes into a buffer of ``room`` bytes (returning its length):
        the aligned buffer of the direct write itself where it fits, so the blob is never
        copied (the queue seals each attachment straight into it). Nothing is written yet:
        then :meth:`hash` (any thread) and :meth:`finish_puts` (durable), or
        :meth:`abort_puts`."""
        if not self._direct or room > _BUFFER:
            scratch = bytearray(room)
            n = fill(memoryview(scratch))
            return self.prepare([bytes(memoryview(scratch)[:n])])
        buffer = self._take_buffer()
        try:
            n = fill(memoryview(buffer))
        except BaseException:
            self._give_buffer(buffer)
            raise
        return self._reserve(n, [], buffer)

    def prepare(self, parts: list[bytes]) -> PendingBlob:
        """:meth:`prepare_into` of the concatenation of ``parts``."""
        size = sum(len(p) for p in parts)
        buffer = None
        if self._direct and size <= _BUFFER:
            buffer = self._take_buffer()
            offset = 0
            for part in parts:
                buffer[offset:offset + len(part)] = part
                offset += len(part)
        return self._reserve(size, parts, buffer)

    def _reserve(self, size: int, parts: list[bytes], buffer: mmap.mmap | None) -> PendingBlob:
        """A file for the blob (``buffer[:size]`` if given, else ``parts``): a spare if one is
        ready."""
        try:
            try:
                file = self._spares.popleft()
                fresh = False
            except IndexError:
                file = uuid.uuid4().hex
                fresh = True
            fd, direct = self._open(file, create=fresh)
        except BaseException:
            if buffer is not None:
                self._give_buffer(buffer)
            raise
        if buffer is not None and not direct:  # direct I/O refused meanwhile
            parts = [bytes(buffer[:size])]
            self._give_buffer(buffer)
            buffer = None
        return PendingBlob(file, "", size, fresh, fd, parts, buffer=buffer, direct=direct)

    def hash(self, pending: PendingBlob) -> str:
        """The blob's content hash (BLAKE3, without the interpreter lock: another thread may
        write the blob meanwhile, the bytes do not change)."""
        h = blake3.blake3()
        for view in self._views(pending):
            h.update(view)
        pending.name = h.hexdigest()
        return pending.name

    @staticmethod
    def _views(pending: PendingBlob) -> list[memoryview]:
        if pending.buffer is not None:
            return [memoryview(pending.buffer)[:pending.size]]
        return [memoryview(p) for p in pending.parts if p]

    def finish_puts(self, pending: list[PendingBlob]) -> None:
        """:meth:`write_durably`, then the blobs' buffers and descriptors released; on failure
        every one of them is taken back and the error raised."""
        try:
            self.write_durably(pending)
        except BaseException:
            self.abort_puts(pending)
            raise
        self.release(pending)

    def write_durably(self, pending: list[PendingBlob]) -> None:
        """Write every pending blob durably (here, on the calling thread: the system calls
        release the interpreter lock, so another thread can hash and describe meanwhile), then
        make the names created on the way durable (one directory fsync). On failure the error
        is raised and the caller takes them back (:meth:`abort_puts`) once nothing reads them
        any more. The blobs stay readable (:meth:`hash`) until :meth:`release`."""
        for p in pending:
            if p.fd < 0:
                continue  # written already
            self._write(p)
            os.close(p.fd)
            p.fd = -1
        if any(p.fresh for p in pending):
            fsync_dir(self.root)

    def release(self, pending: list[PendingBlob]) -> None:
        for p in pending:
            self._release(p)

    def _write(self, p: PendingBlob) -> None:
        if p.direct:
            if p.buffer is not None:
                whole = -(-p.size // _BLOCK) * _BLOCK
                p.buffer[p.size:whole] = bytes(whole - p.size)
                done = self._write_direct(p.fd, memoryview(p.buffer)[:whole])
            else:  # larger than one buffer: in turns
                done = self._write_direct_in_turns(p)
            if done:
                return  # O_DSYNC: durable
            # Refused (alignment): start again, buffered.
            os.close(p.fd)
            p.fd = -1
            p.fd = os.open(self.root / p.file, os.O_WRONLY | os.O_TRUNC)
        for view in self._views(p):
            _write_all(p.fd, view)
        os.fdatasync(p.fd)  # data, allocation and size (the name is durable already)

    def _write_direct(self, fd: int, view: memoryview) -> bool:
        """Direct, synchronous (O_DSYNC) writes; False if the device refused them (EINVAL:
        alignment), and no more direct writes then."""
        try:
            _write_all(fd, view)
        except OSError as e:
            if e.errno != errno.EINVAL:
                raise
            self._direct = False
            return False
        return True

    def _write_direct_in_turns(self, pending: PendingBlob) -> bool:
        rest = self._views(pending)
        buf = self._take_buffer()
        try:
            while rest:
                fill = 0
                while rest and fill < _BUFFER:
                    take = min(len(rest[0]), _BUFFER - fill)
                    buf[fill:fill + take] = rest[0][:take]
                    fill += take
                    rest[0] = rest[0][take:]
                    if not rest[0]:
                        rest.pop(0)
                whole = -(-fill // _BLOCK) * _BLOCK
                buf[fill:whole] = bytes(whole - fill)
                if not self._write_direct(pending.fd, memoryview(buf)[:whole]):
                    return False
            return True
        finally:
            self._give_buffer(buf)

    def _take_buffer(self) -> mmap.mmap:
        with self._buffer_lock:
            if self._buffers:
                return self._buffers.pop()
        return mmap.mmap(-1, _BUFFER)  # page-aligned

    def _give_buffer(self, buf: mmap.mmap) -> None:
        with self._buffer_lock:
            if len(self._buffers) < _KEEP_BUFFERS:
                self._buffers.append(buf)
                return
        buf.close()

    def put(self, data: bytes) -> str:
        """Store ``data`` durably; return the file's name (tests and tools)."""
        return self.put_parts([data])

    def put_parts(self, parts: list[bytes]) -> str:
        pending = self.prepare(parts)
        self.hash(pending)
        self.finish_puts([pending])
        return pending.file

    def _release(self, p: PendingBlob) -> None:
        if p.fd >= 0:
            os.close(p.fd)
            p.fd = -1
        if p.buffer is not None:
            self._give_buffer(p.buffer)
            p.buffer = None
        p.parts = []

    def abort_puts(self, pending: list[PendingBlob]) -> None:
        """Take blobs back (their enqueue failed): no row refers to them. No directory fsync: an
        unlink lost in a crash leaves an unreferenced file, which recovery deletes."""
        for p in pending:
            self._release(p)
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

    def confirm(self, name: str, expected: str, size: int) -> bool:
        """Whether file ``name`` holds its complete blob (``size`` bytes hashing to
        ``expected``); if so it is synced, so it stays so after a power cut."""
        try:
            self.get(name, expected, size)
            fd = os.open(self.path(name), os.O_RDONLY)
        except (BlobCorrupt, FileNotFoundError):
            return False
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)
        return True

    def delete(self, name: str) -> None:
        # No directory fsync: an unlink lost in a crash leaves an unreferenced file, which
        # recovery deletes at the next open.
        self.path(name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        """Every blob file but this process's spares (which no row may refer to yet)."""
        listed = [f.name for f in self.root.iterdir() if _NAME.match(f.name)]
        spares = set(self._spare_names())  # after listing: covers every spare listed
        yield from (name for name in listed if name not in spares)

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
