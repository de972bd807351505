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
_KEEP_BUFFERS = 4  # aligned buffers kept between enqueues (one per attachment in flight)
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
    """A blob between :meth:`BlobStore.start_put` and :meth:`BlobStore.finish_puts` (content and
    name durable) or :meth:`BlobStore.abort_puts` (taken back)."""

    file: str  # the file's name in the store
    name: str  # the content hash (BLAKE3)
    size: int  # the blob's size (the file may be longer: zeros up to a block boundary)
    fresh: bool  # created on the enqueue path: its name still needs a directory fsync
    fd: int = -1  # open until finished or aborted
    parts: list[bytes] = field(default_factory=list, repr=False)
    job: Future[bool] | None = None  # the write, queued for the I/O thread
    buffer: mmap.mmap | None = None  # the aligned copy the direct write reads (pooled)


class BlobStore:
    def __init__(self, root: Path, spares: int = 8) -> None:
        self.root = root
        self.tmp = root / "tmp"  # only for leftovers of older versions (cleared at recovery)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._spare_io: ThreadPoolExecutor | None = None
        self._spare_target = spares
        self._spares: deque[tuple[str, int, bool]] = deque()  # (name, fd, direct)
        self._making: set[str] = set()  # spares being created (not handed out yet either)
        self._spare_job: Future[None] | None = None
        self._spare_lock = threading.Lock()
        self._closed = False
        self._direct = bool(_O_DIRECT)  # until the file system refuses it
        self._buffers: list[mmap.mmap] = []  # free aligned buffers (a few kept)
        self._buffer_lock = threading.Lock()
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blob-write")
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
        self._io.shutdown(wait=True)
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
        made: list[tuple[str, int, bool]] = []
        try:
            while len(self._spares) + len(made) < self._spare_target:
                name = uuid.uuid4().hex
                self._making.add(name)
                made.append((name, *self._create(name)))
            fsync_dir(self.root)  # the names are durable before any row can refer to them
        except BaseException:
            for name, fd, _direct in made:
                os.close(fd)
                (self.root / name).unlink(missing_ok=True)
            self._making.clear()
            raise
        self._spares.extend(made)
        self._making.clear()
        self.spare_busy_s += time.perf_counter() - started

    def _create(self, name: str) -> tuple[int, bool]:
        """A new empty file opened for the blob's write; and whether that write is direct."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        if self._direct:
            try:
                # O_DSYNC: each direct write returns once durable, so the I/O thread needs the
                # interpreter lock only to start it.
                return os.open(self.root / name, flags | _O_DIRECT | _O_DSYNC, 0o600), True
            except OSError as e:
                if e.errno != errno.EINVAL:
                    raise
                self._direct = False  # e.g. tmpfs: buffered writes from now on
                (self.root / name).unlink(missing_ok=True)
        return os.open(self.root / name, flags, 0o600), False

    def _spare_names(self) -> list[str]:
        """Spares ready or being made (no row refers to them)."""
        making = list(self._making)  # first: a spare leaves it only after joining the deque
        return making + [name for name, _fd, _direct in list(self._spares)]

    # -- writing ---------------------------------------------------------------------------------

    def start_put_into(self, room: int, fill: Callable[[memoryview], int]) -> PendingBlob:
        """:meth:`start_put` of a blob that ``fill`` writes into a buffer of ``room`` bytes
        (returning its length): the aligned buffer of the direct write itself where it fits,
        so the blob is never copied (the queue seals each attachment straight into it)."""
        if not self._direct or room > _BUFFER:
            scratch = bytearray(room)
            n = fill(memoryview(scratch))
            return self.start_put([bytes(memoryview(scratch)[:n])])
        buffer = self._take_buffer()
        try:
            n = fill(memoryview(buffer))
        except BaseException:
            self._give_buffer(buffer)
            raise
        return self._start(n, [], buffer)

    def start_put(self, parts: list[bytes]) -> PendingBlob:
        """Begin storing the concatenation of ``parts`` in a spare (or a new file): the write is
        queued for the I/O thread and the content hashed here meanwhile (both without the
        interpreter lock). The caller may do other work, then must call :meth:`finish_puts`
        (durable) or :meth:`abort_puts` (taken back); no row may refer to the file before.

        A woken thread can wait ~1 ms for a core on the shared 2-core kiosk: if the I/O thread
        has not started the write by the time :meth:`finish_puts` is called, that call takes
        the write back and does it itself, so the wait is never longer than doing it inline."""
        size = sum(len(p) for p in parts)
        buffer = None
        if self._direct and size <= _BUFFER:
            buffer = self._take_buffer()
            offset = 0
            for part in parts:
                buffer[offset:offset + len(part)] = part
                offset += len(part)
        return self._start(size, parts, buffer)

    def _start(self, size: int, parts: list[bytes], buffer: mmap.mmap | None) -> PendingBlob:
        """The blob is ``buffer[:size]`` if given, else ``parts``."""
        try:
            try:
                file, fd, direct = self._spares.popleft()
                fresh = False
            except IndexError:
                file = uuid.uuid4().hex
                fd, direct = self._create(file)
                fresh = True
        except BaseException:
            if buffer is not None:
                self._give_buffer(buffer)
            raise
        if buffer is not None and not direct:  # a spare made after direct I/O was refused
            parts = [bytes(buffer[:size])]
            self._give_buffer(buffer)
            buffer = None
        pending = PendingBlob(file, "", size, fresh, fd, parts, buffer=buffer)
        try:
            if buffer is not None:
                whole = -(-size // _BLOCK) * _BLOCK
                buffer[size:whole] = bytes(whole - size)
                pending.job = self._io.submit(self._write_direct, pending, whole)
            elif direct:  # larger than one buffer: in turns, here
                if not self._write_direct_in_turns(pending):
                    self._rewrite_buffered(pending)
            else:
                pending.job = self._io.submit(self._write_buffered, pending)
            h = blake3.blake3()
            for view in self._views(pending):
                h.update(view)  # releases the interpreter lock: the I/O thread can start
            pending.name = h.hexdigest()
        except BaseException:
            self.abort_puts([pending])
            raise
        return pending

    @staticmethod
    def _views(pending: PendingBlob) -> list[memoryview]:
        if pending.buffer is not None:
            return [memoryview(pending.buffer)[:pending.size]]
        return [memoryview(p) for p in pending.parts if p]

    def _write_direct(self, pending: PendingBlob, whole: int) -> bool:
        """One direct, synchronous (O_DSYNC) write from the aligned buffer; False if the device
        refused it (EINVAL: alignment), and no more direct writes then."""
        assert pending.buffer is not None
        try:
            _write_all(pending.fd, memoryview(pending.buffer)[:whole])
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
                try:
                    _write_all(pending.fd, memoryview(buf)[:whole])
                except OSError as e:
                    if e.errno != errno.EINVAL:
                        raise
                    self._direct = False
                    return False
            return True
        finally:
            self._give_buffer(buf)

    def _write_buffered(self, pending: PendingBlob) -> bool:
        for view in self._views(pending):
            _write_all(pending.fd, view)
        os.fdatasync(pending.fd)  # data, allocation and size (the name is durable already)
        return True

    def _rewrite_buffered(self, pending: PendingBlob) -> None:
        """Direct I/O refused: the blob again from the start, buffered."""
        os.close(pending.fd)
        pending.fd = -1
        pending.fd = os.open(self.root / pending.file, os.O_WRONLY | os.O_TRUNC)
        self._write_buffered(pending)

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
        pending = self.start_put(parts)
        self.finish_puts([pending])
        return pending.file

    def finish_puts(self, pending: list[PendingBlob]) -> None:
        """Every pending blob's content on stable storage (written here if the I/O thread had
        not started it), and the names created on the enqueue path (one directory fsync). On
        failure every one of them is taken back and the error raised."""
        try:
            for p in pending:
                job, p.job = p.job, None
                if job is None:
                    continue
                if job.cancel():  # not started yet: do it here rather than wait for it
                    done = (self._write_direct(p, -(-p.size // _BLOCK) * _BLOCK)
                            if p.buffer is not None else self._write_buffered(p))
                else:
                    done = job.result()
                if not done:
                    self._rewrite_buffered(p)
            if any(p.fresh for p in pending):
                fsync_dir(self.root)
        except BaseException:
            self.abort_puts(pending)
            raise
        for p in pending:
            self._release(p)

    def _release(self, p: PendingBlob) -> None:
        if p.job is not None:
            p.job.cancel()
            wait([p.job])  # never close the descriptor or reuse the buffer under a write
            p.job = None
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
