"""Structured logging (JSON lines, rotated) that cannot write personal data.

Every record passes :class:`MaskingFilter` on every handler, so a careless ``log.info(name)``
anywhere is still masked. Give structured data as ``log.info("event", extra={"fields": {...}})``.
Qt's own messages and uncaught exceptions (any thread) are routed here too.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from kiosk.privacy import redact_fields, redact_text

LOG_FILE_NAME = "kiosk.jsonl"


class MaskingFilter(logging.Filter):
    """Rewrites the record in place: message, arguments, fields and exception text masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_kiosk_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact_text(message)
        record.args = None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = redact_fields(fields)
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info))
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        record.exc_info = None  # the masked text is what gets written
        record._kiosk_masked = True
        return True


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.created))
            + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "thread": record.threadName,
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry["fields"] = fields
        if record.exc_text:
            entry["exc"] = record.exc_text
        return _json(entry)


def _json(value: object) -> str:
    """One JSON line, compact, non-ASCII kept as it is, anything unknown written as str()."""
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


class ConsoleFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = getattr(record, "fields", None)
        return f"{text} {_json(fields)}" if fields else text


def setup_logging(log_dir: Path, level: str = "INFO", max_bytes: int = 5_000_000,
                  backup_count: int = 10, also_stderr: bool = True,
                  rotate_later: bool = False) -> Path:
    """Install the JSON-lines file handler (and a console one); return the log file path.

    ``rotate_later``: start with a plain file handler on the same file and let
    :func:`enable_log_rotation` swap in the rotating one once the kiosk is on screen
    (``logging.handlers`` pulls in socket, pickle and queue: ~12 ms of start-up)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_kiosk_handler", False):
            root.removeHandler(h)
            h.close()
    file_handler: logging.Handler
    if rotate_later:
        file_handler = logging.FileHandler(path, encoding="utf-8")
        file_handler.setFormatter(JsonLineFormatter())
        file_handler._kiosk_rotation = (max_bytes, backup_count)  # type: ignore[attr-defined]
    else:
        file_handler = _rotating_handler(path, max_bytes, backup_count)
    handlers: list[logging.Handler] = [file_handler]
    if also_stderr:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(ConsoleFormatter())
        handlers.append(console)
    for h in handlers:
        _install(root, h)
    root.setLevel(level)
    return path


def _masked(handler: logging.Handler) -> logging.Handler:
    """Every kiosk handler masks personal data and is marked as ours (to replace or remove)."""
    handler.addFilter(MaskingFilter())
    handler._kiosk_handler = True  # type: ignore[attr-defined]
    return handler


def _install(root: logging.Logger, handler: logging.Handler) -> None:
    root.addHandler(_masked(handler))


def _rotating_handler(path: Path, max_bytes: int, backup_count: int) -> logging.Handler:
    import logging.handlers

    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")
    handler.setFormatter(JsonLineFormatter())
    return handler


def enable_log_rotation() -> None:
    """Replace the start-up file handler by the rotating one on the same file. The handler list
    is swapped in one assignment, so a record logged meanwhile on another thread goes to one
    of the two, never to neither or both."""
    root = logging.getLogger()
    for old in list(root.handlers):
        rotation = getattr(old, "_kiosk_rotation", None)
        if rotation is None or not isinstance(old, logging.FileHandler):
            continue
        new = _masked(_rotating_handler(Path(old.baseFilename), *rotation))
        new.setLevel(old.level)
        root.handlers = [new if h is old else h for h in root.handlers]
        old.close()


def install_crash_handler(on_crash: Callable[[], None] | None = None) -> None:
    """Log uncaught exceptions from any thread; ``on_crash`` brings the UI back to a safe state."""
    log = logging.getLogger("kiosk.crash")

    def handle(exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.critical("uncaught exception: %s", exc_type.__name__, exc_info=(exc_type, exc, tb))
        if on_crash is not None:
            try:
                on_crash()
            except Exception:
                log.exception("crash recovery failed")

    def handle_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            handle(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = handle
    threading.excepthook = handle_thread


def install_qt_message_handler() -> None:
    """Route qDebug/qWarning/… into the ``qt`` logger (masked like everything else)."""
    from kiosk.qt import QtCore

    log = logging.getLogger("qt")
    levels = {
        QtCore.QtMsgType.QtDebugMsg: logging.DEBUG,
        QtCore.QtMsgType.QtInfoMsg: logging.INFO,
        QtCore.QtMsgType.QtWarningMsg: logging.WARNING,
        QtCore.QtMsgType.QtCriticalMsg: logging.ERROR,
        QtCore.QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(mode: QtCore.QtMsgType, context: QtCore.QMessageLogContext, message: str) -> None:
        log.log(levels.get(mode, logging.WARNING), "%s", message,
                extra={"fields": {"category": context.category or ""}})

    QtCore.qInstallMessageHandler(handler)
