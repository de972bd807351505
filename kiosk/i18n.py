"""Translations: one catalogue per domain, Simplified Chinese first.

``assets/i18n/<domain>.toml`` holds ``key = { zh_CN = "…", en_US = "…" }``; the key is used as
``tr("<domain>.<key>")``. Each feature owns its domain file, so teams do not edit one big file.
The core is Qt-free (the technician CLI uses it too); the UI listens for language changes through
:func:`add_listener`. Placeholders use ``str.format`` names: ``tr("<domain>.<key>", n=3)``.
"""

from __future__ import annotations

import logging
import marshal
import os
import threading
from collections.abc import Callable
from pathlib import Path

from kiosk.config import PROJECT_ROOT

LANGUAGES = ("zh_CN", "en_US")
DEFAULT_LANGUAGE = "zh_CN"
CATALOGUE_DIR = PROJECT_ROOT / "assets" / "i18n"
# Parsed catalogues are cached like byte code: parsing the TOML is ~15 ms of every start-up,
# loading the cache well under 1 ms. The cache is keyed by each file's name, size and mtime.
COMPILED_DIR = "__pycache__"
COMPILED_NAME = "i18n-catalogue.marshal"
COMPILED_FORMAT = 1

Fingerprint = tuple[int, tuple[tuple[str, int, int], ...]]

log = logging.getLogger(__name__)


class Catalogue:
    def __init__(self, directory: Path = CATALOGUE_DIR) -> None:
        self.directory = directory
        self.messages: dict[str, dict[str, str]] = {}
        self.language = DEFAULT_LANGUAGE
        self._listeners: list[Callable[[str], None]] = []
        self._lock = threading.Lock()
        self._missing_reported: set[str] = set()
        self.reload()

    def reload(self) -> None:
        paths = sorted(self.directory.glob("*.toml"))
        fingerprint = _fingerprint(paths)
        compiled = self.directory / COMPILED_DIR / COMPILED_NAME
        cached = _read_compiled(compiled, fingerprint)
        if cached is not None:
            self.messages = cached
            return
        self.messages = _parse(paths)
        _write_compiled(compiled, fingerprint, self.messages)

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; choose one of {LANGUAGES}")
        if language == self.language:
            return
        self.language = language
        for listener in list(self._listeners):
            listener(language)

    def add_listener(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[str], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def tr(self, key: str, **params: object) -> str:
        return self.translate(key, self.language, params)

    def translate(self, key: str, language: str, params: dict[str, object] | None = None) -> str:
        entry = self.messages.get(key)
        lang = language
        if entry is None:
            if key not in self._missing_reported:
                self._missing_reported.add(key)
                log.warning("missing translation key %s", key)
            return key
        text = entry.get(lang) or entry.get(DEFAULT_LANGUAGE) or key
        if params:
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):
                log.warning("bad placeholders in translation %s", key)
        return text


def _parse(paths: list[Path]) -> dict[str, dict[str, str]]:
    import tomllib  # only when the compiled cache is missing or stale

    messages: dict[str, dict[str, str]] = {}
    for path in paths:
        with path.open("rb") as f:
            data = tomllib.load(f)
        domain = path.stem
        for key, value in _flatten(data):
            if not isinstance(value, dict):
                raise ValueError(f"{path}: {key}: expected {{ zh_CN = …, en_US = … }}")
            messages[f"{domain}.{key}"] = {str(k): str(v) for k, v in value.items()}
    return messages


def _fingerprint(paths: list[Path]) -> Fingerprint:
    entries = []
    for path in paths:
        st = path.stat()
        entries.append((path.name, st.st_size, st.st_mtime_ns))
    return COMPILED_FORMAT, tuple(entries)


def _read_compiled(path: Path, fingerprint: Fingerprint) -> dict[str, dict[str, str]] | None:
    try:
        stored, messages = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None  # missing, unreadable or from another Python: parse the TOML instead
    return messages if stored == fingerprint and isinstance(messages, dict) else None


def _write_compiled(path: Path, fingerprint: Fingerprint, messages: dict[str, dict[str, str]]) -> None:
    """Best effort: a read-only installation just parses the TOML each start."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        tmp.write_bytes(marshal.dumps((fingerprint, messages)))
        os.replace(tmp, path)
    except OSError as e:
        log.debug("translation cache not written: %s", e.strerror)
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # there was no directory to write it in


def _flatten(data: dict[str, object], prefix: str = "") -> list[tuple[str, object]]:
    """Nested tables become dotted keys until a table holding a language code is reached."""
    out: list[tuple[str, object]] = []
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and not any(lang in value for lang in LANGUAGES):
            out.extend(_flatten(value, full + "."))
        else:
            out.append((full, value))
    return out


CATALOGUE = Catalogue()


def tr(key: str, **params: object) -> str:
    """Translate ``key`` into the current language."""
    return CATALOGUE.tr(key, **params)


def current_language() -> str:
    return CATALOGUE.language
