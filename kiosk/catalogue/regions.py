"""What the catalogue needs from region codes and ID numbers, on top of kiosk.identity.

The ID-number rules and the province table live in :mod:`kiosk.identity` (written with the
ID-card reader); this module only adapts them to the recommendation's needs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.identity.idnumber import NumberKind, check_character, validate
from kiosk.identity.regions import province_of


def province_name(code: str, language: str = "zh_CN") -> str:
    """Name of the province of a 2- or 6-digit code (or an ID number); the code when unknown."""
    p = province_of(code[:2])
    if p is None:
        return code
    return p.name_en if language == "en_US" else p.name_zh


@dataclass(frozen=True)
class IdNumberFacts:
    province: str
    region_code: str
    birth_date: dt.date
    sex: str  # "M" / "F"


def id_number_facts(id_number: str) -> IdNumberFacts | None:
    """Province, birth date and sex of a valid 18-character resident ID number; None otherwise."""
    info = validate(id_number)
    if (not info.valid or info.kind is not NumberKind.RESIDENT or info.province is None
            or info.birth_date is None or info.gender_code not in ("1", "2")):
        return None
    return IdNumberFacts(province=info.province.code, region_code=info.number[:6],
                         birth_date=info.birth_date, sex="M" if info.gender_code == "1" else "F")


def make_id_number(region_code: str, birth: dt.date, sequence: int, male: bool) -> str:
    """A checksum-valid ID number for tests and demos (sequence 0-99)."""
    seq = f"{sequence % 100:02d}{(1 if male else 2) if sequence % 2 == 0 else (3 if male else 4)}"
    body = f"{region_code}{birth:%Y%m%d}{seq}"
    return body + check_character(body)
