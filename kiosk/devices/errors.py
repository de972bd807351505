"""Numbered error codes a technician can look up (``kiosk-diag errors CODE``).

Each device package registers its codes at import time with :func:`register`. A code is
``<PREFIX>-<NNN>``: IDR (ID-card reader), PRN (receipt printer), A4P (A4 printer), PCS (PC/SC card
reader), CAM (cameras), NET (platform), QUE (queue), CFG (configuration).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str
    meaning_zh: str
    meaning_en: str
    action_zh: str = ""
    action_en: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "meaning_zh": self.meaning_zh, "meaning_en": self.meaning_en,
                "action_zh": self.action_zh, "action_en": self.action_en}


_REGISTRY: dict[str, ErrorCode] = {}


def register(*codes: ErrorCode) -> None:
    for c in codes:
        existing = _REGISTRY.get(c.code)
        if existing is not None and existing != c:
            raise ValueError(f"error code {c.code} registered twice with different meanings")
        _REGISTRY[c.code] = c


def lookup(code: str) -> ErrorCode | None:
    return _REGISTRY.get(code.upper())


def all_codes() -> list[ErrorCode]:
    return sorted(_REGISTRY.values(), key=lambda c: c.code)
