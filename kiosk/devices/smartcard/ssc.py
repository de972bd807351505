"""Social-security card (社会保障卡) reading: SSSE application, EF05 and EF06 records.

Records are read by SFI (EF05: P2 2C, EF06: P2 34); each record is ``tag, length, value`` with
the record number as tag. A status word 6982 means the card wants something first: a PIN on
1st/2nd-generation cards in deployments that demand it, PSAM terminal authentication on
third-generation cards (only the vendor SDK can do that, see vendor_sdk.py); 6983 is a blocked
PIN. Those are returned as clear results, not guessed around.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.devices.base import Outcome
from kiosk.devices.smartcard.apdu import ApduChannel, CommandApdu
from kiosk.devices.smartcard.checks import id_number_valid
from kiosk.devices.smartcard.errors import (
    SSC_PIN_BLOCKED,
    SSC_PIN_REQUIRED,
    SSC_TERMINAL_AUTH,
    BadCardData,
    CardFault,
    CardRefused,
    UnknownCard,
)
from kiosk.privacy import mask_id_number, mask_name

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")  # "sx1.sh.社会保障" in GBK
EF05_P2 = 0x2C  # SFI 5
EF06_P2 = 0x34  # SFI 6
SW_SECURITY = 0x6982
SW_PIN_BLOCKED = 0x6983


class PinRequired(CardFault):
    code, outcome, message_key = SSC_PIN_REQUIRED, Outcome.USER_ERROR, "smartcard.ssc_pin_required"

    def __init__(self, detail: str = "", tries_left: int | None = None) -> None:
        super().__init__(detail)
        self.tries_left = tries_left


class PinBlocked(CardFault):
    code, outcome, message_key = SSC_PIN_BLOCKED, Outcome.USER_ERROR, "smartcard.ssc_pin_blocked"


class TerminalAuthRequired(CardFault):
    code, outcome, message_key = SSC_TERMINAL_AUTH, Outcome.USER_ERROR, "smartcard.ssc_terminal_auth"


@dataclass(frozen=True, repr=False)
class SocialSecurityCard:
    card_number: str
    card_identifier: str  # hex; its first 6 digits are the issuing region
    region_code: str
    spec_version: str
    issue_date: dt.date | None
    expiry_date: dt.date | None
    ssn: str  # social-security number = resident ID number
    name: str
    gender: str  # male / female / unknown

    @property
    def generation(self) -> int:
        return int(self.spec_version[:1]) if self.spec_version[:1].isdigit() else 0

    def masked(self) -> dict[str, str]:
        return {"name": mask_name(self.name), "ssn": mask_id_number(self.ssn),
                "card_number": self.card_number[:1] + "*" * max(0, len(self.card_number) - 3) + self.card_number[-2:],
                "region_code": self.region_code, "spec_version": self.spec_version,
                "expiry_date": self.expiry_date.isoformat() if self.expiry_date else ""}

    def summary(self) -> dict[str, object]:
        return {"kind": "social_security", "region_code": self.region_code, "spec_version": self.spec_version}

    def __repr__(self) -> str:
        m = self.masked()
        return f"SocialSecurityCard(ssn={m['ssn']}, name={m['name']}, version={self.spec_version})"

    __str__ = __repr__


def select_ssse(channel: ApduChannel) -> None:
    response = channel.transmit(CommandApdu(0x00, 0xA4, 0x04, 0x00, SSSE_AID))
    if response.sw in (0x6A82, 0x6A81):
        raise UnknownCard("no SSSE application")
    if not response.ok:
        raise CardRefused(f"SELECT SSSE: SW {response.sw:04X}", sw=response.sw)


def read_ssc_record(channel: ApduChannel, p2: int, record: int, value_length: int, *,
                    generation: int) -> bytes:
    """READ RECORD with the exact Le; returns the value of the ``record, length, value`` item."""
    response = channel.transmit(CommandApdu(0x00, 0xB2, record, p2, b"", value_length + 2))
    sw = response.sw
    if sw == SW_SECURITY:
        if generation >= 3:
            raise TerminalAuthRequired("card demands PSAM terminal authentication")
        raise PinRequired("card demands PIN verification")
    if sw == SW_PIN_BLOCKED:
        raise PinBlocked("PIN blocked")
    if response.sw1 == 0x63 and response.sw2 & 0xF0 == 0xC0:
        raise PinRequired(f"PIN required, {response.sw2 & 0x0F} tries left", tries_left=response.sw2 & 0x0F)
    if not response.ok:
        raise CardRefused(f"READ RECORD {record}/{p2:02X}: SW {sw:04X}", sw=sw)
    data = response.data
    if len(data) < 2 or data[0] != record or data[1] > len(data) - 2:
        raise BadCardData(f"record {record}/{p2:02X} is not 'tag length value'")
    return data[2:2 + data[1]]


def _ascii(value: bytes, what: str) -> str:
    try:
        return value.rstrip(b"\x00 ").decode("ascii")
    except UnicodeDecodeError:
        raise BadCardData(f"{what} is not ASCII") from None


def _bcd_date(value: bytes, what: str) -> dt.date | None:
    digits = value.hex()
    if digits.strip("0") == "" or digits.strip("f") == "":
        return None
    try:
        return dt.datetime.strptime(digits[:8], "%Y%m%d").date()
    except ValueError:
        raise BadCardData(f"{what} is not a BCD date") from None


def read_social_security_card(channel: ApduChannel) -> SocialSecurityCard:
    select_ssse(channel)
    # The version first: it decides whether a 6982 later means "PIN" or "terminal authentication".
    version = _ascii(read_ssc_record(channel, EF05_P2, 3, 4, generation=0), "spec version")
    generation = int(version[:1]) if version[:1].isdigit() else 0
    identifier = read_ssc_record(channel, EF05_P2, 1, 16, generation=generation).hex().upper()
    issue = _bcd_date(read_ssc_record(channel, EF05_P2, 5, 4, generation=generation), "issue date")
    expiry = _bcd_date(read_ssc_record(channel, EF05_P2, 6, 4, generation=generation), "expiry date")
    number = _ascii(read_ssc_record(channel, EF05_P2, 7, 9, generation=generation), "card number")
    ssn = _ascii(read_ssc_record(channel, EF06_P2, 1, 18, generation=generation), "SSN").upper()
    raw_name = read_ssc_record(channel, EF06_P2, 2, 30, generation=generation)
    try:
        name = raw_name.rstrip(b"\x00 ").decode("gbk").strip()
    except UnicodeDecodeError:
        raise BadCardData("name is not GBK") from None
    gender_raw = read_ssc_record(channel, EF06_P2, 3 if generation <= 1 else 4, 1, generation=generation)
    if not id_number_valid(ssn):
        raise BadCardData("social-security number fails the ID check character")
    region = identifier[:6]
    if not region.isdigit():
        raise BadCardData("card identifier does not start with a region code")
    gender = {b"1": "male", b"2": "female"}.get(gender_raw[:1], "unknown")
    return SocialSecurityCard(card_number=number, card_identifier=identifier, region_code=region,
                              spec_version=version, issue_date=issue, expiry_date=expiry, ssn=ssn,
                              name=name, gender=gender)
