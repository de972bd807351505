"""Translations: one catalogue per domain, Simplified Chinese first.

``assets/i18n/<domain>.toml`` holds ``key = { zh_CN = "…", en_US = "…" }``; the key is used as
``tr("<domain>.<key>")``. Each feature owns its domain file, so teams do not edit one big file.
The core is Qt-free (the technician CLI uses it too); the UI listens for language changes through
:func:`add_listener`. Placeholders use ``str.format`` names: ``tr("<domain>.<key>", n=3)``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from kiosk.config import PROJECT_ROOT
from kiosk.tomlcache import CACHE_DIR, fingerprint, read_cached, write_cached

LANGUAGES = ("zh_CN", "en_US")
DEFAULT_LANGUAGE = "zh_CN"
CATALOGUE_DIR = PROJECT_ROOT / "assets" / "i18n"
# Parsed catalogues are cached like byte code (kiosk.tomlcache): parsing the TOML is ~15 ms of
# every start-up, loading the cache well under 1 ms.
COMPILED_DIR = CACHE_DIR
COMPILED_NAME = "i18n-catalogue.marshal"

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
        stamp = fingerprint(paths)
        compiled = self.directory / COMPILED_DIR / COMPILED_NAME
        cached = read_cached(compiled, stamp)
        if isinstance(cached, dict):
            self.messages = cached
            return
        self.messages = _parse(paths)
        write_cached(compiled, stamp, self.messages)

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
