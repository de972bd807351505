"""Content-addressed blob store: ``<root>/<sha256>``, written crash-safely.

A blob is written to ``<root>/tmp/``, fsynced, renamed into place and the directory fsynced, so
after a power cut a name either holds its complete content or does not exist. Names are the
SHA-256 of the content, so a read verifies itself.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_SHA = re.compile(r"^[0-9a-f]{64}$")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobCorrupt(Exception):
    """A blob is missing or its content does not hash to its name."""


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blob-fsync")

    def close(self) -> None:
        self._io.shutdown(wait=True)

    def path(self, sha256: str) -> Path:
        if not _SHA.match(sha256):
            raise ValueError("not a sha256 name")
        return self.root / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` durably (file and name); return its SHA-256 (the name)."""
        return self.put_parts([data])

    def put_parts(self, parts: list[bytes]) -> str:
        """Store the concatenation of ``parts`` durably without building it in memory."""
        tmp = self.tmp / f"{uuid.uuid4().hex}.part"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            for part in parts:
                view = memoryview(part)
                while view:
                    n = os.write(fd, view)
                    view = view[n:]
            # fsync (I/O wait) and hashing (CPU) both release the GIL: overlap them.
            flushed = self._io.submit(os.fsync, fd)
            h = hashlib.sha256()
            for part in parts:
                h.update(part)
            sha = h.hexdigest()
            flushed.result()
        finally:
            os.close(fd)
        final = self.path(sha)
        if final.exists():
            tmp.unlink()
            return sha
        os.rename(tmp, final)
        fsync_dir(self.root)
        return sha

    def get(self, sha256: str, verify: bool = True) -> bytes:
        """The blob; ``verify=False`` skips re-hashing when the receiver checks the hash anyway
        (the platform refuses an upload whose SHA-256 differs from its name)."""
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobCorrupt(f"blob {sha256[:12]}… missing") from None
        if verify and hashlib.sha256(data).hexdigest() != sha256:
            raise BlobCorrupt(f"blob {sha256[:12]}… corrupt")
        return data

    def delete(self, sha256: str) -> None:
        # No directory fsync: an unlink lost in a crash leaves an unreferenced file, which
        # recovery deletes at the next open.
        self.path(sha256).unlink(missing_ok=True)

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
