"""Privacy scan: look for the test people's personal data in files the kiosk leaves behind.

:func:`sensitive_values` collects names, ID numbers, addresses, phone numbers and card numbers
from ALL test-data sources (the ID-card simulator's people, the virtual smart cards, and any extra
TOML files); :func:`scan` searches every file under the given paths (logs, crash reports, temp
files, SQLite databases and their journals, attachments, receipts) for each value encoded as
UTF-8, UTF-16LE and GBK, and returns the hits. A hit names the file, the field and the encoding,
never the value itself (a scan report must not become a leak).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PEOPLE_FILE = PROJECT_ROOT / "assets" / "testdata" / "idcard_people.toml"
PERSONAL_FIELDS = ("name", "name_en", "address", "id_number", "permit_number", "phone", "mobile",
                   "pan", "ssn", "card_number")
ENCODINGS = ("utf-8", "utf-16-le", "gbk")
MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Sensitive:
    label: str  # "idcard:hebei_male.name" — where the value comes from, safe to print
    value: str


@dataclass(frozen=True)
class Hit:
    path: Path
    label: str
    encoding: str
    offset: int

    def __str__(self) -> str:
        return f"{self.path}: {self.label} ({self.encoding}) at byte {self.offset}"


def _worth_scanning(value: str) -> bool:
    """Too short or too common values would match anywhere (a 2-digit number, "/")."""
    v = value.strip()
    if any(ord(c) > 0x2E80 for c in v):  # CJK: a 2-character name is already specific
        return len(v) >= 2
    return len(v) >= 6 and v.strip("/ ") != ""


def people_values(path: Path = PEOPLE_FILE) -> list[Sensitive]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for person_id, person in data.items():
        if not isinstance(person, dict):
            continue
        for key in PERSONAL_FIELDS:
            value = person.get(key)
            if isinstance(value, str) and _worth_scanning(value):
                out.append(Sensitive(f"{path.stem}:{person_id}.{key}", value))
    return out


def smartcard_values() -> list[Sensitive]:
    from kiosk.devices.smartcard.vcard.catalogue import FIXTURES

    out = []
    for card, fixture in FIXTURES.items():
        for key in PERSONAL_FIELDS:
            value = getattr(fixture, key, "")
            if isinstance(value, str) and _worth_scanning(value):
                out.append(Sensitive(f"smartcard:{card}.{key}", value))
    return out


def sensitive_values(extra_toml: Iterable[Path] = ()) -> list[Sensitive]:
    values = people_values() + smartcard_values()
    for path in extra_toml:
        values += people_values(path)
    unique: dict[str, Sensitive] = {}
    for s in values:
        unique.setdefault(s.value, s)
    return list(unique.values())


def _needles(values: Iterable[Sensitive]) -> list[tuple[bytes, str, str]]:
    out = []
    for s in values:
        for enc in ENCODINGS:
            try:
                out.append((s.value.encode(enc), s.label, enc))
            except UnicodeEncodeError:
                continue  # e.g. a character GBK lacks
    return out


def _files(paths: Iterable[Path]) -> Iterable[Path]:
    for p in paths:
        if p.is_file():
            yield p
        elif p.is_dir():
            yield from (f for f in sorted(p.rglob("*")) if f.is_file() and not f.is_symlink())


def scan(paths: Iterable[Path], values: Iterable[Sensitive]) -> list[Hit]:
    needles = _needles(values)
    hits: list[Hit] = []
    seen: set[Path] = set()
    for f in _files(paths):
        real = f.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            if f.stat().st_size > MAX_FILE_BYTES:
                continue
            data = f.read_bytes()
        except OSError:
            continue
        for needle, label, enc in needles:
            at = data.find(needle)
            if at >= 0:
                hits.append(Hit(f, label, enc, at))
    return hits


def scanned_files(paths: Iterable[Path]) -> list[Path]:
    return list(_files(paths))
