"""Recent log lines for the technician, masked again on read (defence in depth: the writer
already masks every record, but a line written by an older version or by hand must not leak)."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import Any

from kiosk.logs import LOG_FILE_NAME
from kiosk.privacy import redact_fields, redact_text


def _log_files(log_dir: Path) -> list[Path]:
    """Oldest first: kiosk.jsonl.N … kiosk.jsonl.1, kiosk.jsonl (RotatingFileHandler naming)."""
    rotated = []
    for p in log_dir.glob(LOG_FILE_NAME + ".*"):
        suffix = p.name[len(LOG_FILE_NAME) + 1:]
        if suffix.isdigit():
            rotated.append((int(suffix), p))
    files = [p for _, p in sorted(rotated, reverse=True)]
    current = log_dir / LOG_FILE_NAME
    if current.exists():
        files.append(current)
    return files


def remask_line(line: str) -> str:
    try:
        entry = json.loads(line)
    except ValueError:
        return redact_text(line)
    if not isinstance(entry, dict):
        return redact_text(line)
    clean: dict[str, Any] = {}
    for key, value in entry.items():
        if key == "fields" and isinstance(value, dict):
            clean[key] = redact_fields(value)
        elif isinstance(value, str):
            clean[key] = redact_text(value)
        else:
            clean[key] = redact_fields({key: value})[key]
    return json.dumps(clean, ensure_ascii=False)


def recent_lines(log_dir: Path, n: int = 200) -> list[str]:
    """The last ``n`` lines across the rotated files, each re-masked."""
    tail: deque[str] = deque(maxlen=n)
    for path in _log_files(log_dir):
        try:
            with path.open("r", encoding="utf-8", errors="replace") as f:
                for line in f:
                    line = line.rstrip("\n")
                    if line:
                        tail.append(line)
        except OSError:
            continue
    return [remask_line(line) for line in tail]
