"""The parsed identity and the whole read result, as frozen values whose repr is masked.

``repr``/``str`` never show a full name, number or address, so an identity that slips into a log
line or an exception message leaks nothing; screens read the fields directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from kiosk.devices.idcard.photo import PhotoResult
from kiosk.devices.idcard.tables import gender_name, nation_name
from kiosk.identity.idnumber import IdNumberInfo, age_on, validate
from kiosk.identity.regions import Province
from kiosk.privacy import mask_address, mask_id_number, mask_name


class CardType(StrEnum):
    RESIDENT = "resident"  # 居民身份证 (flag space or 0)
    FOREIGNER_2017 = "foreigner_2017"  # 外国人永久居留身份证, 2017 layout (flag 'I')
    FOREIGNER_2023 = "foreigner_2023"  # 外国人永久居留身份证, 2023 layout (flag 'Y')
    RESIDENCE_PERMIT = "residence_permit"  # 港澳台居民居住证 (flag 'J', layout unconfirmed)


@dataclass(frozen=True, repr=False)
class IdentityCard:
    card_type: CardType
    name: str  # Chinese name ('' when a foreigner card has none)
    gender_code: str
    id_number: str  # the card's number (18 characters; 15 on a 2017 foreigner card)
    birth_date: date | None
    valid_from: date | None
    valid_until: date | None  # None with long_term=True means 长期
    long_term: bool = False
    nation_code: str | None = None
    address: str | None = None
    issuer: str | None = None
    name_en: str | None = None
    nationality: str | None = None  # ISO 3166 alpha-3 on foreigner cards
    card_version: str | None = None
    issuing_office: str | None = None
    renewals: str | None = None  # 'Y' card: 换证次数
    permit_number: str | None = None  # 'J' permit: 通行证号码
    issue_count: str | None = None  # 'J' permit: 签发次数
    appended_address: str | None = None
    # Field names whose text could not be read (e.g. an impossible date); empty on a good card.
    problems: tuple[str, ...] = ()

    # --- what a screen needs ------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        return self.name or (self.name_en or "")

    @property
    def card_type_key(self) -> str:
        """i18n key of the card type's name (assets/i18n/idcard.toml)."""
        return f"idcard.card_type.{self.card_type.value}"

    @property
    def sex(self) -> str | None:
        """"M" / "F" (None for 0 unknown / 9 unspecified), as forms and journeys use it."""
        return {"1": "M", "2": "F"}.get(self.gender_code)

    def gender_name(self, language: str = "zh_CN") -> str:
        return gender_name(self.gender_code, language)

    def nation_name(self, language: str = "zh_CN") -> str | None:
        return nation_name(self.nation_code, language) if self.nation_code else None

    @property
    def id_check(self) -> IdNumberInfo | None:
        """GB 11643 validation; None for the 15-character 2017 foreigner number (other rules)."""
        if self.card_type is CardType.FOREIGNER_2017:
            return None
        return validate(self.id_number)

    @property
    def province(self) -> Province | None:
        check = self.id_check
        return check.province if check is not None else None

    def age(self, today: date | None = None) -> int | None:
        return age_on(self.birth_date, today) if self.birth_date else None

    def expired(self, today: date | None = None) -> bool:
        if self.long_term or self.valid_until is None:
            return False
        return (today or date.today()) > self.valid_until

    # --- masking ------------------------------------------------------------------------------
    def masked(self) -> dict[str, Any]:
        """Loggable summary: no full name, number or address."""
        province = self.province
        return {
            "card_type": str(self.card_type),
            "name": mask_name(self.display_name),
            "id_number": mask_id_number(self.id_number),
            "gender": self.gender_code,
            "birth_year": self.birth_date.year if self.birth_date else None,
            "province": province.code if province else None,
            "valid_until": "长期" if self.long_term else (self.valid_until.isoformat() if self.valid_until else None),
            "problems": list(self.problems),
        }

    def as_dict(self, reveal: bool = False) -> dict[str, Any]:
        """Every field; masked unless ``reveal`` (the technician CLI audits that)."""
        def m(value: str | None, fn: Any) -> str | None:
            return value if (reveal or value is None) else fn(value)

        check = self.id_check
        province = self.province
        return {
            "card_type": str(self.card_type),
            "name": m(self.name, mask_name) or "",
            "name_en": m(self.name_en, mask_name),
            "gender_code": self.gender_code,
            "gender": self.gender_name(),
            "nation_code": self.nation_code,
            "nation": self.nation_name(),
            "birth_date": (self.birth_date.isoformat() if reveal else str(self.birth_date.year))
            if self.birth_date else None,
            "age": self.age(),
            "address": m(self.address, mask_address),
            "appended_address": m(self.appended_address, mask_address),
            "id_number": m(self.id_number, mask_id_number),
            "id_number_valid": check.valid if check is not None else None,
            "id_number_problems": [str(p) for p in check.problems] if check is not None else [],
            "province_code": province.code if province else None,
            "province": province.name_zh if province else None,
            "issuer": self.issuer,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": "长期" if self.long_term else (self.valid_until.isoformat() if self.valid_until else None),
            "expired": self.expired(),
            "nationality": self.nationality,
            "card_version": self.card_version,
            "issuing_office": self.issuing_office,
            "renewals": self.renewals,
            "permit_number": m(self.permit_number, mask_id_number),
            "issue_count": self.issue_count,
            "problems": list(self.problems),
        }

    def sensitive_values(self) -> list[str]:
        """Strings a session registers with privacy.REDACTIONS while it holds this identity."""
        return [v for v in (self.name, self.name_en, self.id_number, self.address,
                            self.appended_address, self.permit_number) if v]

    def __repr__(self) -> str:
        return (f"IdentityCard({self.card_type}, name={mask_name(self.display_name)!r}, "
                f"id={mask_id_number(self.id_number)!r})")

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class CardRead:
    """Everything one card read produced: the payload of the ``card_read`` event."""

    identity: IdentityCard
    photo: PhotoResult
    photo_wlt: bytes = b""  # the raw WLT block (for a platform-side decoder); personal data
    fingerprint: bytes = b""  # raw fingerprint templates when read with 30 10; personal data
    read_at: datetime = field(default_factory=datetime.now)
    elapsed_ms: int = 0
    sam_id: str | None = None

    @property
    def has_fingerprint(self) -> bool:
        return any(self.fingerprint)

    def summary(self) -> dict[str, Any]:
        """The loggable part (DeviceEvent.summary)."""
        return {**self.identity.masked(), "photo_status": str(self.photo.status),
                "has_fingerprint": self.has_fingerprint, "elapsed_ms": self.elapsed_ms}

    def __repr__(self) -> str:
        return f"CardRead({self.identity!r}, {self.photo!r}, {self.elapsed_ms} ms)"

    __str__ = __repr__
