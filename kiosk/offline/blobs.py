"""Content-addressed blob store: ``<root>/<blake3>``, written crash-safely.

A blob is written to ``<root>/tmp/``, renamed into place, and both file and directory fsynced
before :meth:`BlobStore.put_parts` (or :meth:`BlobStore.finish_puts`) returns; only then may a
row refer to it. So after a power cut every name a committed row refers to holds its complete
content; any other name (an enqueue that had not returned) is deleted by recovery at the next
open. Names are the
BLAKE3-256 of the content, so a read verifies itself. BLAKE3 rather than SHA-256 because the
name is on the enqueue path (the citizen waits): on the kiosk CPUs without SHA extensions
SHA-256 of 1 MB costs 2.6-5 ms, more than the whole fsync'd write; BLAKE3 (SIMD) ~0.2 ms.
Blobs named by SHA-256 (queues written before the switch) still verify.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import blake3

_SHA = re.compile(r"^[0-9a-f]{64}$")


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


@dataclass
class PendingBlob:
    """A blob between :meth:`BlobStore.start_put` and :meth:`BlobStore.finish_puts`."""

    name: str  # the content hash, once computed
    size: int
    fd: int  # -1 once released
    tmp: Path
    flushed: Future[None]  # the helper thread's write + fsync of the data
    named: threading.Event  # set once the name is in place (the helper's fsync waits for it)
    placed: Path | None = None  # the name this put created (None: the content was stored)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blob-fsync")

    def close(self) -> None:
        self._io.shutdown(wait=True)

    def path(self, name: str) -> Path:
        if not _SHA.match(name):
            raise ValueError("not a content-hash name")
        return self.root / name

    def put(self, data: bytes) -> str:
        """Store ``data`` durably (file and name); return its content hash (the name)."""
        return self.put_parts([data])

    def put_parts(self, parts: list[bytes]) -> str:
        """Store the concatenation of ``parts`` durably without building it in memory; returns
        once the content and its name are both on stable storage."""
        pending = self.start_put(parts)
        self.finish_puts([pending])
        return pending.name

    @staticmethod
    def _write_all(fd: int, parts: list[bytes], named: threading.Event) -> None:
        for part in parts:
            view = memoryview(part)
            while view:
                n = os.write(fd, view)
                view = view[n:]
        # The fsync waits for the rename: then one journal commit carries the data, the inode
        # and the new name, and the directory fsync that follows finds nothing left to commit
        # (fsync first, and the rename lands in the next transaction: a second commit).
        named.wait()
        os.fsync(fd)

    def start_put(self, parts: list[bytes]) -> PendingBlob:
        """Begin storing the concatenation of ``parts``: returns once it is named and in place,
        while the helper thread is still writing and fsyncing the data. The caller may do other
        work meanwhile (the enqueue builds the envelope), then must call :meth:`finish_puts`
        (durable) or :meth:`abort_puts` (taken back).

        The helper thread writes the file while this one hashes and renames it (both release
        the GIL), then fsyncs it. Until :meth:`finish_puts` returns, a power cut may leave the name
        with incomplete content; no row refers to it yet (the row is committed after), and
        recovery deletes every unreferenced name at the next open."""
        tmp = self.tmp / f"{uuid.uuid4().hex}.part"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        named = threading.Event()
        try:
            flushed = self._io.submit(self._write_all, fd, parts, named)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        pending = PendingBlob("", sum(len(p) for p in parts), fd, tmp, flushed, named)
        try:
            h = blake3.blake3()
            for part in parts:
                h.update(part)
            pending.name = h.hexdigest()
            final = self.path(pending.name)
            if not final.exists():  # else: referenced by a committed row, hence durable
                os.rename(tmp, final)
                pending.placed = final
            return pending
        except BaseException:
            self.abort_puts([pending])
            raise
        finally:
            named.set()

    def finish_puts(self, pending: list[PendingBlob]) -> None:
        """Wait until every pending blob's data and name are on stable storage: one directory
        fsync covers all the renames, then each file's own fsync is awaited. On failure every
        one of them is taken back and the error raised."""
        try:
            if any(p.placed is not None for p in pending):
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

    @staticmethod
    def _release(p: PendingBlob, keep: bool) -> None:
        if p.fd < 0:
            return
        p.named.set()
        wait([p.flushed])  # never close the fd under a write still in flight
        os.close(p.fd)
        p.fd = -1
        if not keep and p.placed is not None:
            p.placed.unlink(missing_ok=True)
        p.tmp.unlink(missing_ok=True)

    def get(self, name: str, verify: bool = True) -> bytes:
        """The blob, checked against its name unless ``verify=False``."""
        try:
            data = self.path(name).read_bytes()
        except FileNotFoundError:
            raise BlobCorrupt(f"blob {name[:12]}… missing") from None
        if verify and not matches(name, data):
            raise BlobCorrupt(f"blob {name[:12]}… corrupt")
        return data

    def delete(self, name: str) -> None:
        # No directory fsync: an unlink lost in a crash leaves an unreferenced file, which
        # recovery deletes at the next open.
        self.path(name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        for f in self.root.iterdir():
            if _SHA.match(f.name):
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
