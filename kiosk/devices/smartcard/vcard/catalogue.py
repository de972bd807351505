"""The scripted cards, with fictional cardholders (Luhn-valid card numbers, ID numbers with a
correct MOD 11-2 check character; names and numbers belong to nobody)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiosk.devices.smartcard.checks import id_check_char, luhn_check_digit
from kiosk.devices.smartcard.staffcard import diversify
from kiosk.devices.smartcard.vcard.cards import (
    ATR_CONTACTLESS,
    EmvCard,
    EmvProfile,
    MuteCard,
    SocialSecurityCard,
    SscProfile,
    StaffCard,
    T0Card,
    VirtualCard,
)

# The demo master key (assets/smartcard/demo_staff_keys.txt); tests pass their own.
DEMO_STAFF_MASTER = bytes.fromhex("6b696f736b2d64656d6f2d73746166662d6d61737465722d6b65792d303031")
FORGED_MASTER = bytes(32)


def pan(body: str) -> str:
    return body + luhn_check_digit(body)


def id_number(first17: str) -> str:
    return first17 + id_check_char(first17)


@dataclass(frozen=True)
class Fixture:
    """What a test expects to read back from each card (the cards' own truth)."""

    pan: str = ""
    expiry: str = ""
    name: str = ""
    ssn: str = ""
    card_number: str = ""
    spec_version: str = ""
    region_code: str = ""
    gender: str = ""
    staff_id: str = ""
    role: str = ""


DEBIT_PAN = pan("621799000012345678")  # 19 digits
CONTACTLESS_PAN = pan("623456000098765432")
T0_PAN = pan("622202000011112222")
SSC1_SSN = id_number("31010419580312002")
SSC2_SSN = id_number("31011519670405004")
SSC3_SSN = id_number("31010619800101003")

FIXTURES: dict[str, Fixture] = {
    "unionpay_debit": Fixture(pan=DEBIT_PAN, expiry="301231", name="CESHI/YONGHU"),
    "unionpay_contactless": Fixture(pan=CONTACTLESS_PAN, expiry="291130", name=""),
    "unionpay_t0": Fixture(pan=T0_PAN, expiry="280630", name="T0/CARD"),
    "ssc_gen1": Fixture(ssn=SSC1_SSN, name="测试甲", card_number="A00000001", spec_version="1.00",
                        region_code="310104", gender="female"),
    "ssc_gen2": Fixture(ssn=SSC2_SSN, name="测试乙", card_number="B00000002", spec_version="2.00",
                        region_code="310115", gender="female"),
    "ssc_gen3": Fixture(ssn=SSC3_SSN, spec_version="3.00", region_code="310106"),
    "ssc_pin": Fixture(ssn=SSC2_SSN, spec_version="2.00", region_code="310115"),
    "staff_manager": Fixture(staff_id="M0001", role="lobby_manager"),
    "staff_technician": Fixture(staff_id="T0042", role="technician"),
    "staff_forged": Fixture(staff_id="M0001", role="lobby_manager"),
    "mute": Fixture(),
}


def _ssc(name: str, ssn: str, person: str, version: str, number: str, region: str, gender: str,
         pin_required: bool = False) -> VirtualCard:
    identifier = bytes.fromhex(region + "D15600000500" + "0123456789ABCDEF"[: 32 - 6 - 12].ljust(14, "0"))
    profile = SscProfile(identifier=identifier[:16], version=version, issue="20200115", expiry="20300115",
                         card_number=number, ssn=ssn, name=person, gender=gender, pin_required=pin_required)
    return T0Card(SocialSecurityCard(name, profile))  # SSSE is answered 61xx, like real cards


def staff_card(name: str, staff_id: str, role: str, master: bytes = DEMO_STAFF_MASTER,
               key_version: int = 1) -> StaffCard:
    return StaffCard(name, staff_id, role, key_version, diversify(master, staff_id, key_version))


CARDS: dict[str, Callable[[], VirtualCard]] = {
    "unionpay_debit": lambda: EmvCard("unionpay_debit", EmvProfile(
        pan=DEBIT_PAN, expiry="301231", name="CESHI/YONGHU")),
    "unionpay_contactless": lambda: EmvCard("unionpay_contactless", EmvProfile(
        pan=CONTACTLESS_PAN, expiry="291130", name=" /", aid=bytes.fromhex("A000000333010102"),
        label="PBOC CREDIT", pse=False, ppse=True, gpo_format=2, record_has_pan=False,
        pdol=bytes.fromhex("9F66049F02069F03069F1A0295055F2A029A039C019F3704DF6001"), atr=ATR_CONTACTLESS)),
    "unionpay_t0": lambda: T0Card(EmvCard("unionpay_t0", EmvProfile(
        pan=T0_PAN, expiry="280630", name="T0/CARD")), chunk=16),
    "ssc_gen1": lambda: _ssc("ssc_gen1", SSC1_SSN, "测试甲", "1.00", "A00000001", "310104", "2"),
    "ssc_gen2": lambda: _ssc("ssc_gen2", SSC2_SSN, "测试乙", "2.00", "B00000002", "310115", "2"),
    "ssc_gen3": lambda: _ssc("ssc_gen3", SSC3_SSN, "测试丙", "3.00", "C00000003", "310106", "1"),
    "ssc_pin": lambda: _ssc("ssc_pin", SSC2_SSN, "测试乙", "2.00", "B00000002", "310115", "2", pin_required=True),
    "staff_manager": lambda: staff_card("staff_manager", "M0001", "lobby_manager"),
    "staff_technician": lambda: staff_card("staff_technician", "T0042", "technician"),
    "staff_forged": lambda: staff_card("staff_forged", "M0001", "lobby_manager", master=FORGED_MASTER),
    "mute": MuteCard,
}


def make_card(name: str) -> VirtualCard:
    try:
        factory = CARDS[name]
    except KeyError:
        raise KeyError(f"no virtual card {name!r}; known: {', '.join(CARDS)}") from None
    return factory()
