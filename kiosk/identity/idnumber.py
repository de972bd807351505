"""Citizen ID numbers (GB 11643): ISO 7064 MOD 11-2 check character, birth date, region code.

Pure functions, no I/O. ``validate`` checks all three and returns every problem found (never
raises on bad input). It also understands the two look-alike 18-character numbers carried by other
cards: the 2023 foreigner permanent-residence number (starts with 9, then the province) and the
Hong Kong / Macao / Taiwan residence-permit number (810000 / 820000 / 830000 prefix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kiosk.identity.regions import PROVINCES, Province

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PERMIT_PREFIXES = {"810000": "81", "820000": "82", "830000": "71"}  # Taiwan permits use 83, province 71


class NumberKind(StrEnum):
    RESIDENT = "resident"  # 18 characters, GB 11643
    RESIDENT_LEGACY = "resident15"  # first-generation 15-digit number (no check character)
    FOREIGNER = "foreigner"  # 2023 permanent-residence card, 9 + province …
    PERMIT = "permit"  # Hong Kong / Macao / Taiwan residence permit


class Problem(StrEnum):
    FORMAT = "format"
    CHECKSUM = "checksum"
    BIRTH_DATE = "birth_date"
    REGION = "region"


@dataclass(frozen=True, repr=False)
class IdNumberInfo:
    number: str
    kind: NumberKind | None
    problems: tuple[Problem, ...]
    province: Province | None = None
    birth_date: date | None = None
    # "1" male, "2" female: the 17th digit is odd for men, even for women.
    gender_code: str | None = None

    @property
    def valid(self) -> bool:
        return not self.problems

    def __repr__(self) -> str:  # never the full number
        from kiosk.privacy import mask_id_number

        return (f"IdNumberInfo({mask_id_number(self.number)}, kind={self.kind}, "
                f"problems={[str(p) for p in self.problems]}, province={self.province and self.province.code})")

    __str__ = __repr__


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise ValueError("expected 17 digits")
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def checksum_ok(number: str) -> bool:
    n = number.strip().upper()
    return (len(n) == 18 and n[:17].isdigit() and n[:17].isascii()
            and check_character(n[:17]) == n[17])


def _parse_date(text: str) -> date | None:
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _kind_of(n: str) -> NumberKind | None:
    if re.fullmatch(r"\d{15}", n):
        return NumberKind.RESIDENT_LEGACY
    if not re.fullmatch(r"\d{17}[\dX]", n):
        return None
    if n[:6] in PERMIT_PREFIXES:
        return NumberKind.PERMIT
    if n[0] == "9":
        return NumberKind.FOREIGNER
    return NumberKind.RESIDENT


def validate(number: str, today: date | None = None) -> IdNumberInfo:
    """Check format, check character, birth date and region; list every problem."""
    today = today or date.today()
    n = number.strip().upper()
    kind = _kind_of(n)
    if kind is None:
        return IdNumberInfo(n, None, (Problem.FORMAT,))
    problems: list[Problem] = []
    if kind is NumberKind.RESIDENT_LEGACY:
        birth = _parse_date("19" + n[6:12])
        seq_digit = n[14]
    else:
        if not checksum_ok(n):
            problems.append(Problem.CHECKSUM)
        birth = _parse_date(n[6:14])
        seq_digit = n[16]
    if birth is None or birth > today or birth.year < 1900:
        problems.append(Problem.BIRTH_DATE)
        birth = None
    if kind is NumberKind.PERMIT:
        province_code = PERMIT_PREFIXES[n[:6]]
    elif kind is NumberKind.FOREIGNER:
        province_code = n[1:3]
    else:
        province_code = n[:2]
    province = PROVINCES.get(province_code)
    if province is None or (kind in (NumberKind.RESIDENT, NumberKind.RESIDENT_LEGACY) and n[2:6] == "0000"):
        problems.append(Problem.REGION)
    gender = "1" if int(seq_digit) % 2 else "2"
    return IdNumberInfo(n, kind, tuple(problems), province, birth, gender)


def is_valid(number: str, today: date | None = None) -> bool:
    return validate(number, today).valid


def age_on(birth: date, today: date | None = None) -> int:
    """Full years of age on ``today`` (a 29 February birthday counts from 1 March)."""
    today = today or date.today()
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return max(0, years)
