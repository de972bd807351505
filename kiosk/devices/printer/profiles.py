"""Receipt printer model profiles, loaded from ``assets/printer/profiles.toml`` (data, not code)."""

from __future__ import annotations

import codecs
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kiosk.config import PROJECT_ROOT

PROFILES_FILE = PROJECT_ROOT / "assets" / "printer" / "profiles.toml"

# Font A on a 203 dpi head: 12 x 24 dots for one-byte characters, 24 x 24 for Chinese.
HALF_WIDTH_DOTS = 12
LINE_DOTS = 24


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    description: str
    paper_mm: int
    dots: int
    encoding: str
    chinese_mode: bool
    native_qr: bool
    partial_cut: bool
    dle_eot_3: bool
    qr_module: int

    @property
    def chars_per_line(self) -> int:
        """Half-width columns per line in Font A at normal size (a Chinese character takes two)."""
        return self.dots // HALF_WIDTH_DOTS


class ProfileError(ValueError):
    pass


def _profile(name: str, raw: dict[str, object]) -> PrinterProfile:
    try:
        p = PrinterProfile(
            name=name,
            description=str(raw.get("description", name)),
            paper_mm=int(raw["paper_mm"]),  # type: ignore[call-overload]
            dots=int(raw["dots"]),  # type: ignore[call-overload]
            encoding=str(raw.get("encoding", "gb18030")),
            chinese_mode=bool(raw.get("chinese_mode", True)),
            native_qr=bool(raw.get("native_qr", True)),
            partial_cut=bool(raw.get("partial_cut", False)),
            dle_eot_3=bool(raw.get("dle_eot_3", False)),
            qr_module=int(raw.get("qr_module", 5)),  # type: ignore[call-overload]
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ProfileError(f"printer profile {name!r}: {e}") from e
    if p.paper_mm not in (58, 80):
        raise ProfileError(f"printer profile {name!r}: paper_mm must be 58 or 80")
    if not 1 <= p.qr_module <= 16:
        raise ProfileError(f"printer profile {name!r}: qr_module must be 1..16")
    try:
        codecs.lookup(p.encoding)
    except LookupError as e:
        raise ProfileError(f"printer profile {name!r}: unknown encoding {p.encoding!r}") from e
    return p


@lru_cache(maxsize=4)
def load_profiles(path: Path = PROFILES_FILE) -> dict[str, PrinterProfile]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    return {name: _profile(name, raw) for name, raw in data.items()}


def get_profile(name: str) -> PrinterProfile:
    profiles = load_profiles()
    try:
        return profiles[name]
    except KeyError:
        raise ProfileError(f"unknown printer model {name!r} (known: {', '.join(sorted(profiles))})") from None
