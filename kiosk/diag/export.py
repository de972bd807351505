"""Where exports go: a file path, or a directory (a USB drive's mount point) that gets a
generated file name. Written to a temporary file beside the target, fsynced, then renamed, so a
pulled USB stick or a full disk leaves no half-written file looking complete."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


class ExportError(Exception):
    """The export could not be written; the message says where and why."""


def target_path(out: Path, terminal_id: str, kind: str, suffix: str) -> Path:
    if out.is_dir():
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", terminal_id)
        return out / f"kiosk-{kind}-{safe}-{time.strftime('%Y%m%d-%H%M%S')}{suffix}"
    return out


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    if not path.parent.is_dir():
        raise ExportError(f"{path.parent}: no such directory (is the USB drive mounted?)")
    tmp_name = ""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
        tmp_name = ""
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as e:
        raise ExportError(f"{path}: cannot write: {e.strerror or e}") from None
    finally:
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
    return path
