"""Masking of personal data: the one place that knows what an ID number, phone or card looks like.

Two mechanisms, both applied to every log record (see :mod:`kiosk.logs`):
- patterns: ID numbers (18/15 characters), mobile numbers, card numbers (13-19 digits) are
  replaced wherever they appear in text;
- literal values: a session registers the citizen's name, address and other free text it holds
  with :data:`REDACTIONS`, so those strings are replaced too, and unregisters them on ``end()``.
Structured fields whose *key* is sensitive are masked whatever their value looks like.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

SENSITIVE_KEYS = frozenset({
    "name", "name_en", "name_zh", "id_number", "idnum", "id_no", "address", "phone", "mobile",
    "pan", "card_number", "track2", "photo", "fingerprint", "birth_date", "cardholder",
    "ssn", "social_security_number", "password", "pin", "image", "answers",
})

# Longest first, so an 18-character ID number is not half-eaten as a phone number.
_ID18 = r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"
_PAN = r"(?<!\d)\d{13,19}(?!\d)"
_ID15 = r"(?<!\d)\d{15}(?!\d)"
_PHONE = r"(?<!\d)1[3-9]\d{9}(?!\d)"
_PATTERN = re.compile("|".join(f"(?:{p})" for p in (_ID18, _PAN, _ID15, _PHONE)))


def mask_id_number(value: str) -> str:
    """``110101199003071234`` → ``1101**********1234``."""
    v = value.strip()
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_name(value: str) -> str:
    """Keep only the first character: ``张三丰`` → ``张**``; ``ZHANG SAN`` → ``Z********``."""
    v = value.strip()
    return v[:1] + "*" * (len(v) - 1) if v else ""


def mask_phone(value: str) -> str:
    v = value.strip()
    return v[:3] + "****" + v[-4:] if len(v) >= 11 else "*" * len(v)


def mask_pan(value: str) -> str:
    """Card numbers keep the first 6 and last 4 digits (the usual PCI display rule)."""
    v = value.strip()
    return v[:6] + "*" * (len(v) - 10) + v[-4:] if len(v) >= 13 else "*" * len(v)


def mask_reference(value: str) -> str:
    """An application reference in a log line: only the last four characters, ``…2345``."""
    v = value.strip()
    return "…" + v[-4:] if len(v) > 4 else "*" * len(v)


def mask_address(value: str) -> str:
    """Keep the first six characters (province and city), hide the rest."""
    v = value.strip()
    return v[:6] + "*" * max(0, len(v) - 6)


class RedactionSet:
    """Literal strings that must never appear in a log line (thread-safe)."""

    MIN_LENGTH = 2

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, int] = {}
        self._regex: re.Pattern[str] | None = None

    def add(self, values: Iterable[str]) -> None:
        with self._lock:
            for v in values:
                v = v.strip() if isinstance(v, str) else ""
                if len(v) >= self.MIN_LENGTH:
                    self._values[v] = self._values.get(v, 0) + 1
            self._regex = None

    def remove(self, values: Iterable[str]) -> None:
        with self._lock:
            for v in values:
                v = v.strip() if isinstance(v, str) else ""
                if v in self._values:
                    self._values[v] -= 1
                    if self._values[v] <= 0:
                        del self._values[v]
            self._regex = None

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._regex = None

    def __len__(self) -> int:
        return len(self._values)

    def apply(self, text: str) -> str:
        with self._lock:
            if not self._values:
                return text
            if self._regex is None:
                alts = sorted(self._values, key=len, reverse=True)
                self._regex = re.compile("|".join(re.escape(a) for a in alts))
            regex = self._regex
        return regex.sub(lambda m: "*" * len(m.group(0)), text)


REDACTIONS = RedactionSet()


def _mask_match(m: re.Match[str]) -> str:
    s = m.group(0)
    if len(s) == 11 and s.startswith("1"):
        return mask_phone(s)
    if len(s) in (15, 18):
        return mask_id_number(s)
    return mask_pan(s)


def redact_text(text: str) -> str:
    """Mask every personal value that can be recognised in free text."""
    return _PATTERN.sub(_mask_match, REDACTIONS.apply(text))


def redact_value(key: str, value: Any) -> Any:
    """Mask a structured field: sensitive keys always, other strings by pattern."""
    if key.lower() in SENSITIVE_KEYS:
        if value is None or value == "":
            return value
        if isinstance(value, bytes | bytearray):
            return f"<{len(value)} bytes>"
        return "<redacted>"
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return redact_fields(value)
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    return value


def redact_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): redact_value(str(k), v) for k, v in fields.items()}
