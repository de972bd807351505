"""The 256-byte text block (UTF-16LE, space padded) → :class:`IdentityCard`, for every card type.

Layouts are data (byte offset, byte length) per card type, shared with the simulator's encoder.
The 'J' residence-permit layout is unconfirmed (one source only) and kept in its own table so it
can be corrected in one place. Outside bytes never raise anything but :class:`CardParseError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from kiosk.devices.idcard.identity import CardType, IdentityCard
from kiosk.devices.idcard.tables import GENDERS, NATIONS

TEXT_BLOCK_LEN = 256
TYPE_FLAG_OFFSET = 248
LONG_TERM = "长期"

Layout = Mapping[str, tuple[int, int]]

RESIDENT_LAYOUT: Layout = {
    "name": (0, 30), "gender": (30, 2), "nation": (32, 4), "birth": (36, 16), "address": (52, 70),
    "id_number": (122, 36), "issuer": (158, 30), "valid_from": (188, 16), "valid_until": (204, 16),
}
FOREIGNER_2017_LAYOUT: Layout = {
    "name_en": (0, 120), "gender": (120, 2), "id_number": (122, 30), "nationality": (152, 6),
    "name": (158, 30), "valid_from": (188, 16), "valid_until": (204, 16), "birth": (220, 16),
    "card_version": (236, 4), "issuing_office": (240, 8),
}
FOREIGNER_2023_LAYOUT: Layout = {
    "name": (0, 30), "gender": (30, 2), "renewals": (32, 4), "birth": (36, 16), "name_en": (52, 70),
    "id_number": (122, 36),
    # Not in the brief's list; same place as the resident card's issuer. Blank → None.
    "issuer": (158, 30),
    "valid_from": (188, 16), "valid_until": (204, 16), "name_en_2": (220, 22), "nationality": (242, 6),
}
# UNCONFIRMED (one source): resident layout plus permit number and issue count.
RESIDENCE_PERMIT_LAYOUT: Layout = {
    **RESIDENT_LAYOUT, "permit_number": (220, 18), "issue_count": (238, 4),
}

FLAGS: dict[str, CardType] = {" ": CardType.RESIDENT, "\0": CardType.RESIDENT,
                              "I": CardType.FOREIGNER_2017, "Y": CardType.FOREIGNER_2023,
                              "J": CardType.RESIDENCE_PERMIT}
LAYOUTS: dict[CardType, Layout] = {
    CardType.RESIDENT: RESIDENT_LAYOUT, CardType.FOREIGNER_2017: FOREIGNER_2017_LAYOUT,
    CardType.FOREIGNER_2023: FOREIGNER_2023_LAYOUT, CardType.RESIDENCE_PERMIT: RESIDENCE_PERMIT_LAYOUT,
}
TYPE_FLAG_CHAR: dict[CardType, str] = {CardType.RESIDENT: " ", CardType.FOREIGNER_2017: "I",
                                       CardType.FOREIGNER_2023: "Y", CardType.RESIDENCE_PERMIT: "J"}


class CardParseError(Exception):
    """The text block cannot be turned into an identity (damaged or unknown data)."""


class UnknownCardTypeError(CardParseError):
    def __init__(self, flag: str) -> None:
        super().__init__(f"unknown card type flag U+{ord(flag):04X}" if len(flag) == 1 else "bad card type flag")
        self.flag = flag


def _decode(block: bytes, offset: int, length: int) -> str:
    try:
        text = block[offset:offset + length].decode("utf-16-le")
    except UnicodeDecodeError as e:
        raise CardParseError(f"field at byte {offset} is not UTF-16LE text") from e
    return text


def _field(block: bytes, offset: int, length: int) -> str:
    return _decode(block, offset, length).strip(" \0\u3000")


def card_type_of(block: bytes) -> CardType:
    if len(block) != TEXT_BLOCK_LEN:
        raise CardParseError(f"text block of {len(block)} bytes, expected {TEXT_BLOCK_LEN}")
    flag = _decode(block, TYPE_FLAG_OFFSET, 2)
    card_type = FLAGS.get(flag)
    if card_type is None:
        raise UnknownCardTypeError(flag)
    return card_type


def _date(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit() or not text.isascii():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def parse_text(block: bytes) -> IdentityCard:
    """Parse one text block; raise :class:`CardParseError` when it is unusable."""
    card_type = card_type_of(block)
    layout = LAYOUTS[card_type]
    f = {key: _field(block, off, ln) for key, (off, ln) in layout.items()}
    problems: list[str] = []

    if card_type is CardType.FOREIGNER_2023:
        part1 = _decode(block, *layout["name_en"])
        part2 = _decode(block, *layout["name_en_2"]).rstrip(" \0")
        f["name_en"] = (part1 + part2 if part2 else part1).strip(" \0")

    if not f.get("id_number"):
        raise CardParseError("the card carries no number")
    if not (f.get("name") or f.get("name_en")):
        raise CardParseError("the card carries no name")

    gender = f["gender"]
    if gender not in GENDERS:
        problems.append("gender")
    nation = f.get("nation") or None
    if card_type is CardType.RESIDENT and nation not in NATIONS:
        problems.append("nation")

    def dated(key: str) -> date | None:
        value = _date(f.get(key, ""))
        if value is None:
            problems.append(key)
        return value

    birth = dated("birth")
    valid_from = dated("valid_from")
    long_term = f["valid_until"] == LONG_TERM
    valid_until = None if long_term else dated("valid_until")

    return IdentityCard(
        card_type=card_type, name=f.get("name", ""), gender_code=gender, id_number=f["id_number"],
        birth_date=birth, valid_from=valid_from, valid_until=valid_until, long_term=long_term,
        nation_code=nation, address=f.get("address") or None, issuer=f.get("issuer") or None,
        name_en=f.get("name_en") or None, nationality=f.get("nationality") or None,
        card_version=f.get("card_version") or None, issuing_office=f.get("issuing_office") or None,
        renewals=f.get("renewals") or None, permit_number=f.get("permit_number") or None,
        issue_count=f.get("issue_count") or None, problems=tuple(problems),
    )


def parse_appended_address(data: bytes) -> str | None:
    """The appended-address answer (unconfirmed format: UTF-16LE text, space padded)."""
    if len(data) % 2:
        raise CardParseError("appended address has an odd byte count")
    try:
        text = data.decode("utf-16-le").strip(" \0\u3000")
    except UnicodeDecodeError as e:
        raise CardParseError("appended address is not UTF-16LE text") from e
    return text or None


# --- the encoder (simulator side) -------------------------------------------------------------
def encode_text(card_type: CardType, values: Mapping[str, str]) -> bytes:
    """Build a text block from field values (``birth`` as YYYYMMDD, ``valid_until`` may be 长期)."""
    layout = LAYOUTS[card_type]
    block = bytearray(" ".encode("utf-16-le") * (TEXT_BLOCK_LEN // 2))
    vals = dict(values)
    if card_type is CardType.FOREIGNER_2023 and "name_en" in vals:
        chars = layout["name_en"][1] // 2
        full = vals.pop("name_en")
        vals["name_en"], vals["name_en_2"] = full[:chars], full[chars:]
    for key, value in vals.items():
        if key not in layout:
            raise ValueError(f"{card_type}: no field {key!r} in the layout")
        off, ln = layout[key]
        raw = value.encode("utf-16-le")
        if len(raw) > ln:
            raise ValueError(f"{card_type}: {key} longer than {ln // 2} characters")
        block[off:off + ln] = raw + " ".encode("utf-16-le") * ((ln - len(raw)) // 2)
    flag = TYPE_FLAG_CHAR[card_type].encode("utf-16-le")
    block[TYPE_FLAG_OFFSET:TYPE_FLAG_OFFSET + 2] = flag
    return bytes(block)


def encode_appended_address(text: str, length: int = 70) -> bytes:
    raw = text.encode("utf-16-le")[:length]
    return raw + " ".encode("utf-16-le") * ((length - len(raw)) // 2)
