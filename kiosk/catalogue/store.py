"""Which catalogue the kiosk uses: cached copy, bundled demo, platform refresh.

Start-up order: the last good catalogue the platform sent (cached in the data dir) if it still
parses and verifies, else the bundled one. :meth:`CatalogueStore.refresh` asks a
:class:`CatalogueSource` (the platform client, written elsewhere) with the cached ETag; a new
document is verified, validated, written atomically, and only then replaces the current one. Any
failure keeps the current catalogue and is returned as a :class:`RefreshResult`, never raised.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from kiosk.catalogue.loader import Catalogue, CatalogueError, SignatureVerifier, parse_catalogue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignedDocument:
    body: bytes
    signature: bytes | None = None


class CatalogueSource(Protocol):
    """Where new catalogues come from (the platform client adapts to this)."""

    def fetch(self, etag: str | None) -> tuple[SignedDocument | None, str | None]:
        """Return ``(None, etag)`` when unchanged (HTTP 304), else the document and its ETag.

        Network failures raise ``OSError`` (``requests`` errors derive from it) or
        ``TimeoutError``; the store turns them into a :class:`RefreshResult`.
        """
        ...


class RefreshStatus(StrEnum):
    UPDATED = "updated"
    NOT_MODIFIED = "not_modified"
    UNREACHABLE = "unreachable"
    REJECTED = "rejected"  # bad signature or invalid document; the old one stays
    CACHE_WRITE_FAILED = "cache_write_failed"  # in use, but will be lost on restart


@dataclass(frozen=True)
class RefreshResult:
    status: RefreshStatus
    version: str
    detail: str = ""


@dataclass(frozen=True)
class CachedCatalogue:
    document: SignedDocument
    etag: str | None


def write_atomically(path: Path, data: bytes) -> None:
    """Temp file in the same directory, fsync, rename, fsync the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class CatalogueCache:
    """One file: ``{"etag", "signature" (base64), "body" (the exact document text)}``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, document: SignedDocument, etag: str | None) -> None:
        envelope = {
            "etag": etag,
            "signature": base64.b64encode(document.signature).decode() if document.signature else None,
            "body": document.body.decode("utf-8"),
        }
        write_atomically(self.path, json.dumps(envelope, ensure_ascii=False).encode("utf-8"))

    def load(self) -> CachedCatalogue | None:
        """The cached document, or None when absent or unreadable (logged, never raised)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            log.warning("catalogue_cache_unreadable", extra={"fields": {"error": e.strerror}})
            return None
        try:
            env = json.loads(raw)
            body = env["body"].encode("utf-8")
            sig = env.get("signature")
            signature = base64.b64decode(sig, validate=True) if sig else None
            etag = env.get("etag")
            if etag is not None and not isinstance(etag, str):
                raise TypeError("etag is not a string")
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as e:
            log.warning("catalogue_cache_corrupt", extra={"fields": {"error": str(e)[:200]}})
            return None
        return CachedCatalogue(SignedDocument(body, signature), etag)


class CatalogueStore:
    """Holds the current catalogue; thread-safe swaps; listeners hear about new versions."""

    def __init__(self, cache: CatalogueCache, bundled: Path, verifier: SignatureVerifier) -> None:
        self.cache = cache
        self.bundled = bundled
        self.verifier = verifier
        self._lock = threading.Lock()
        self._current: Catalogue | None = None
        self._etag: str | None = None
        self._source = "none"
        self._listeners: list[Callable[[Catalogue], None]] = []

    @property
    def current(self) -> Catalogue:
        with self._lock:
            if self._current is None:
                raise RuntimeError("CatalogueStore.load() has not run")
            return self._current

    @property
    def origin(self) -> str:
        """``cache`` or ``bundled`` or ``platform`` — shown in diagnostics."""
        return self._source

    def on_change(self, listener: Callable[[Catalogue], None]) -> None:
        self._listeners.append(listener)

    def load(self) -> Catalogue:
        """Cached copy if good, else the bundled demo; raise CatalogueError if neither works."""
        cached = self.cache.load()
        if cached is not None:
            if not self.verifier.verify(cached.document.body, cached.document.signature):
                log.warning("catalogue_cache_signature_bad")
            else:
                try:
                    cat = parse_catalogue(cached.document.body)
                except CatalogueError as e:
                    log.warning("catalogue_cache_invalid",
                                extra={"fields": {"problems": e.problems[:5]}})
                else:
                    self._set(cat, cached.etag, "cache")
                    return cat
        body = self.bundled.read_bytes()
        cat = parse_catalogue(body)
        self._set(cat, None, "bundled")
        return cat

    def _set(self, cat: Catalogue, etag: str | None, origin: str) -> None:
        with self._lock:
            self._current, self._etag, self._source = cat, etag, origin
        log.info("catalogue_loaded", extra={"fields": {
            "version": cat.version, "origin": origin, "items": len(cat.items)}})
        for listener in list(self._listeners):
            listener(cat)

    def refresh(self, source: CatalogueSource) -> RefreshResult:
        current = self.current
        try:
            document, etag = source.fetch(self._etag)
        except (OSError, TimeoutError) as e:
            log.info("catalogue_refresh_unreachable", extra={"fields": {"error": type(e).__name__}})
            return RefreshResult(RefreshStatus.UNREACHABLE, current.version, type(e).__name__)
        if document is None:
            return RefreshResult(RefreshStatus.NOT_MODIFIED, current.version)
        if not self.verifier.verify(document.body, document.signature):
            log.warning("catalogue_signature_bad", extra={"fields": {"etag": etag}})
            return RefreshResult(RefreshStatus.REJECTED, current.version, "signature does not verify")
        try:
            cat = parse_catalogue(document.body)
        except CatalogueError as e:
            log.warning("catalogue_invalid", extra={"fields": {"problems": e.problems[:10]}})
            return RefreshResult(RefreshStatus.REJECTED, current.version, "; ".join(e.problems[:3]))
        status = RefreshStatus.UPDATED
        detail = ""
        try:
            self.cache.save(document, etag)
        except OSError as e:
            # Use it now anyway: it is valid and newer; the old cache stays as the fallback.
            status, detail = RefreshStatus.CACHE_WRITE_FAILED, e.strerror or type(e).__name__
            log.error("catalogue_cache_write_failed", extra={"fields": {"error": detail}})
        self._set(cat, etag, "platform")
        return RefreshResult(status, cat.version, detail)
