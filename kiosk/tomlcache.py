"""Parsed TOML files cached like byte code, next to them in ``__pycache__``.

Parsing TOML (``tomllib``, pure Python) costs milliseconds per file and importing it ~5 ms; a
start-up reads the translation catalogues and the config layers. The cache holds the parsed data
(``marshal``: plain dicts, lists, strings and numbers) with a fingerprint of the files it came
from (name, size, mtime in ns: what Python's own byte-code cache trusts); a changed file makes
it stale and it is parsed again. Writing is best effort: a read-only installation parses each time.
"""

from __future__ import annotations

import logging
import marshal
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CACHE_DIR = "__pycache__"
FORMAT = 1

Fingerprint = tuple[int, tuple[tuple[str, int, int], ...]]

log = logging.getLogger(__name__)


def fingerprint(paths: Iterable[Path]) -> Fingerprint:
    """Raises OSError (FileNotFoundError, …) when a file cannot be stat'ed."""
    entries = []
    for path in paths:
        st = path.stat()
        entries.append((path.name, st.st_size, st.st_mtime_ns))
    return FORMAT, tuple(entries)


def read_cached(path: Path, expected: Fingerprint) -> Any | None:
    """The cached data if ``path`` holds it for exactly these files, else None."""
    try:
        stored, data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None  # missing, unreadable or from another Python: parse the TOML instead
    return data if stored == expected else None


def write_cached(path: Path, stamp: Fingerprint, data: Any) -> None:
    try:
        blob = marshal.dumps((stamp, data))
    except ValueError:
        return  # e.g. a TOML date-time: marshal cannot hold it, so parse each time
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        tmp.write_bytes(blob)
        os.replace(tmp, path)
    except OSError as e:
        log.debug("parsed-TOML cache not written: %s", e.strerror)
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # there was no directory to write it in
