"""Bank-card reading (EMV / PBOC 3.0, UnionPay), contact and contactless — read-only.

Flow: directory (PSE ``1PAY.SYS.DDF01`` by SFI records for contact, PPSE ``2PAY.SYS.DDF01`` FCI
BF0C/61/4F for contactless) → candidate AIDs by priority (UnionPay first) → SELECT AID → PDOL
filled (unknown tags zero-filled to the requested length) → GET PROCESSING OPTIONS (format 1 tag
80 or format 2 tag 77) → AFL records → PAN 5A / expiry 5F24 / name 5F20 / PAN sequence 5F34, track
2 equivalent (57) as fallback. Card data lives only in :class:`BankCard`, whose repr is masked;
track 2 is parsed and dropped, never stored nor logged.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.devices.smartcard import tlv
from kiosk.devices.smartcard.apdu import ApduChannel, CommandApdu, read_record, select_by_name
from kiosk.devices.smartcard.checks import luhn_valid
from kiosk.devices.smartcard.errors import BANK_NO_APP, BANK_NO_PAN, BadCardData, CardRefused
from kiosk.privacy import mask_pan

PSE = b"1PAY.SYS.DDF01"
PPSE = b"2PAY.SYS.DDF01"
UNIONPAY_RID = bytes.fromhex("A000000333")
UNIONPAY_AIDS = {
    bytes.fromhex("A000000333010101"): "debit",
    bytes.fromhex("A000000333010102"): "credit",
    bytes.fromhex("A000000333010103"): "quasi_credit",
    bytes.fromhex("A000000333010106"): "ecash",
}
SW_NOT_FOUND = (0x6A82, 0x6A81)
SW_RECORD_NOT_FOUND = 0x6A83
SW_CONDITIONS = 0x6985
MAX_DIRECTORY_RECORDS = 16

# Tags whose values are numeric (format n): padded/truncated on the left, others on the right.
NUMERIC_TAGS = frozenset({0x9F02, 0x9F03, 0x5F2A, 0x9F1A, 0x9A, 0x9C, 0x9F21, 0x5F36})


@dataclass(frozen=True)
class TerminalParams:
    amount_minor: int = 0  # 9F02, in fen
    currency_code: str = "0156"  # 5F2A, ISO 4217 numeric (CNY)
    country_code: str = "0156"  # 9F1A, ISO 3166 numeric (China)
    ecash_indicator: int = 0x00  # 9F7A: 1 asks for an e-cash transaction
    ttq: bytes = bytes.fromhex("26000080")  # 9F66 terminal transaction qualifiers (qPBOC, read)
    terminal_type: int = 0x14  # 9F35: unattended, financial institution, online
    capabilities: bytes = bytes.fromhex("E0E1C8")  # 9F33
    transaction_type: int = 0x00  # 9C goods/services


def bcd(number: int | str, length: int) -> bytes:
    digits = str(number)
    if not digits.isdigit() or len(digits) > length * 2:
        raise ValueError(f"{digits!r} does not fit {length} BCD bytes")
    return bytes.fromhex(digits.rjust(length * 2, "0"))


def fit(tag: int, value: bytes, length: int) -> bytes:
    """EMV Book 3 §5.4: numeric values are cut/padded on the left, others on the right."""
    if len(value) == length:
        return value
    if tag in NUMERIC_TAGS:
        return value[-length:] if len(value) > length else bytes(length - len(value)) + value
    return value[:length] if len(value) > length else value + bytes(length - len(value))


def terminal_value(tag: int, params: TerminalParams, now: dt.datetime,
                   unpredictable: Callable[[int], bytes]) -> bytes | None:
    values: dict[int, Callable[[], bytes]] = {
        0x9F7A: lambda: bytes([params.ecash_indicator]),
        0x9F02: lambda: bcd(params.amount_minor, 6),
        0x9F03: lambda: bcd(0, 6),
        0x5F2A: lambda: bcd(params.currency_code, 2),
        0x9F1A: lambda: bcd(params.country_code, 2),
        0x9F66: lambda: params.ttq,
        0x9F37: lambda: unpredictable(4),
        0x9A: lambda: bytes.fromhex(now.strftime("%y%m%d")),
        0x9F21: lambda: bytes.fromhex(now.strftime("%H%M%S")),
        0x9C: lambda: bytes([params.transaction_type]),
        0x95: lambda: bytes(5),
        0x9F35: lambda: bytes([params.terminal_type]),
        0x9F33: lambda: params.capabilities,
    }
    maker = values.get(tag)
    return maker() if maker else None


def build_pdol_data(pdol: bytes, params: TerminalParams, now: dt.datetime | None = None,
                    unpredictable: Callable[[int], bytes] = secrets.token_bytes) -> bytes:
    now = now or dt.datetime.now()
    out = bytearray()
    try:
        entries = tlv.parse_dol(pdol)
    except tlv.TlvError as e:
        raise BadCardData(f"PDOL: {e}") from None
    for entry in entries:
        value = terminal_value(entry.tag, params, now, unpredictable)
        out += fit(entry.tag, value, entry.length) if value is not None else bytes(entry.length)
    return bytes(out)


def gpo_command(pdol_data: bytes) -> CommandApdu:
    return CommandApdu(0x80, 0xA8, 0x00, 0x00, tlv.encode(0x83, pdol_data), 256)


@dataclass(frozen=True)
class AflEntry:
    sfi: int
    first: int
    last: int
    offline_auth_records: int


def parse_afl(data: bytes) -> list[AflEntry]:
    if len(data) % 4:
        raise BadCardData(f"AFL length {len(data)} is not a multiple of 4")
    entries = []
    for i in range(0, len(data), 4):
        b0, first, last, count = data[i:i + 4]
        sfi = b0 >> 3
        if not 1 <= sfi <= 30 or first == 0 or last < first or count > last - first + 1:
            raise BadCardData(f"AFL entry {data[i:i + 4].hex()} is invalid")
        entries.append(AflEntry(sfi, first, last, count))
    return entries


@dataclass(frozen=True)
class GpoResult:
    format: int
    aip: bytes
    afl: list[AflEntry]
    tags: dict[int, bytes]


def parse_gpo(data: bytes) -> GpoResult:
    node = _parse_one(data, "GPO")
    if node.tag == 0x80:
        if len(node.value) < 2:
            raise BadCardData("GPO format 1 shorter than the AIP")
        return GpoResult(1, node.value[:2], parse_afl(node.value[2:]), {})
    if node.tag == 0x77:
        tags = _primitive_tags(node.children)
        aip, afl = tags.get(0x82), tags.get(0x94)
        if aip is None or len(aip) != 2:
            raise BadCardData("GPO format 2 without a valid AIP (82)")
        return GpoResult(2, aip, parse_afl(afl or b""), tags)
    raise BadCardData(f"GPO answer has tag {node.tag:X}, expected 80 or 77")


@dataclass(frozen=True)
class Candidate:
    aid: bytes
    label: str
    priority: int  # 1 highest; 0 (none given) sorts last


@dataclass(frozen=True, repr=False)
class BankCard:
    pan: str
    expiry: str  # YYMMDD as on the card (YYMM from track 2 gets day "00")
    cardholder_name: str
    pan_sequence: str
    aid: str
    application: str  # debit / credit / quasi_credit / ecash / other
    label: str
    interface: str  # contact / contactless
    gpo_format: int
    pan_source: str  # "5A" or "57" (track 2 equivalent fallback)
    records_read: int = 0

    @property
    def masked_pan(self) -> str:
        return mask_pan(self.pan)

    @property
    def expiry_month(self) -> str:
        """``YYYY-MM`` (the day byte of 5F24 is the month end by convention)."""
        return f"20{self.expiry[:2]}-{self.expiry[2:4]}" if len(self.expiry) >= 4 else ""

    def masked(self) -> dict[str, str]:
        """For display to the cardholder or a technician: nothing that could be used to pay."""
        return {"pan": self.masked_pan, "expiry": "**/**", "cardholder_name": "*" if self.cardholder_name else "",
                "application": self.application, "aid": self.aid, "interface": self.interface}

    def summary(self) -> dict[str, object]:
        """The loggable part: no card number, no expiry, no name."""
        return {"kind": "bank", "aid": self.aid, "application": self.application, "interface": self.interface,
                "gpo_format": self.gpo_format, "pan_source": self.pan_source, "records_read": self.records_read}

    def __repr__(self) -> str:
        return f"BankCard(pan={self.masked_pan}, application={self.application}, interface={self.interface})"

    __str__ = __repr__


def _parse_one(data: bytes, what: str) -> tlv.Tlv:
    try:
        return tlv.parse_one(data)
    except tlv.TlvError as e:
        raise BadCardData(f"{what}: {e}") from None


def _primitive_tags(nodes: tuple[tlv.Tlv, ...] | list[tlv.Tlv]) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    for top in nodes:
        for node in top.walk():
            if not node.constructed:
                out.setdefault(node.tag, node.value)
    return out


def _candidates_from(entries: list[tlv.Tlv]) -> list[Candidate]:
    out = []
    for entry in entries:
        if entry.tag != 0x61:
            continue
        tags = _primitive_tags(entry.children)
        aid = tags.get(0x4F)
        if not aid or not 5 <= len(aid) <= 16:
            continue
        prio = tags.get(0x87, b"\x00")
        out.append(Candidate(aid, tags.get(0x50, b"").decode("ascii", "replace").strip(),
                             (prio[0] & 0x0F) if prio else 0))
    return out


def read_pse(channel: ApduChannel) -> list[Candidate] | None:
    """Contact directory; None when the card has no PSE."""
    response = channel.transmit(select_by_name(PSE))
    if response.sw in SW_NOT_FOUND:
        return None
    if not response.ok:
        raise CardRefused(f"SELECT PSE: SW {response.sw:04X}", sw=response.sw)
    fci = _parse_one(response.data, "PSE FCI")
    sfi_node = fci.find(0x88)
    if sfi_node is None or len(sfi_node.value) != 1 or not 1 <= sfi_node.value[0] <= 30:
        raise BadCardData("PSE FCI without a valid SFI (88)")
    sfi = sfi_node.value[0]
    candidates: list[Candidate] = []
    for record in range(1, MAX_DIRECTORY_RECORDS + 1):
        rec = channel.transmit(read_record(sfi, record))
        if rec.sw == SW_RECORD_NOT_FOUND:
            break
        if not rec.ok:
            raise CardRefused(f"READ RECORD PSE {record}: SW {rec.sw:04X}", sw=rec.sw)
        node = _parse_one(rec.data, "PSE record")
        if node.tag != 0x70:
            raise BadCardData(f"PSE record has tag {node.tag:X}")
        candidates += _candidates_from(list(node.children))
    return candidates


def read_ppse(channel: ApduChannel) -> list[Candidate] | None:
    """Contactless directory; None when the card has no PPSE."""
    response = channel.transmit(select_by_name(PPSE))
    if response.sw in SW_NOT_FOUND:
        return None
    if not response.ok:
        raise CardRefused(f"SELECT PPSE: SW {response.sw:04X}", sw=response.sw)
    fci = _parse_one(response.data, "PPSE FCI")
    directory = fci.find(0xBF0C)
    if directory is None:
        raise BadCardData("PPSE FCI without BF0C")
    return _candidates_from(list(directory.children))


def order_candidates(candidates: list[Candidate]) -> list[Candidate]:
    """UnionPay first, then by priority indicator (0 = none = last); stable otherwise."""
    def key(c: Candidate) -> tuple[int, int]:
        return (0 if c.aid.startswith(UNIONPAY_RID) else 1, c.priority or 16)
    return sorted(candidates, key=key)


def is_contactless_atr(atr: bytes) -> bool:
    """PC/SC part 3 builds ATRs for contactless cards as ``3B 8x 80 01 …``."""
    return len(atr) >= 4 and atr[0] == 0x3B and atr[1] & 0xF0 == 0x80 and atr[2] == 0x80 and atr[3] == 0x01


def parse_track2(data: bytes) -> tuple[str, str]:
    """Track 2 equivalent (57) → (PAN, expiry YYMM). The value itself is dropped by the caller."""
    digits = data.hex().upper().rstrip("F")
    if "D" not in digits:
        raise BadCardData("track 2 equivalent without separator")
    pan, rest = digits.split("D", 1)
    if not pan.isdigit() or len(rest) < 4 or not rest[:4].isdigit():
        raise BadCardData("track 2 equivalent malformed")
    return pan, rest[:4]


def decode_pan(data: bytes) -> str:
    pan = data.hex().upper().rstrip("F")
    if not pan.isdigit():
        raise BadCardData("PAN (5A) is not BCD")
    return pan


def read_bank_card(channel: ApduChannel, params: TerminalParams, *, contactless: bool,
                   now: dt.datetime | None = None,
                   unpredictable: Callable[[int], bytes] = secrets.token_bytes) -> BankCard:
    first, second = (read_ppse, read_pse) if contactless else (read_pse, read_ppse)
    candidates = first(channel)
    if candidates is None:
        candidates = second(channel)
    if not candidates:  # no directory: try the UnionPay AIDs directly (allowed by EMV Book 1)
        candidates = [Candidate(aid, "", 0) for aid in UNIONPAY_AIDS]
    interface = "contactless" if contactless else "contact"
    last_refusal: CardRefused | None = None
    for candidate in order_candidates(candidates):
        response = channel.transmit(select_by_name(candidate.aid))
        if response.sw in SW_NOT_FOUND or response.sw == 0x6283:
            continue
        if not response.ok:
            raise CardRefused(f"SELECT AID: SW {response.sw:04X}", sw=response.sw)
        fci = _parse_one(response.data, "application FCI")
        fci_tags = _primitive_tags([fci])
        pdol = fci_tags.get(0x9F38, b"")
        gpo = channel.transmit(gpo_command(build_pdol_data(pdol, params, now, unpredictable)))
        if gpo.sw == SW_CONDITIONS:  # this application refuses here; try the next one
            last_refusal = CardRefused("GPO: conditions of use not satisfied", sw=gpo.sw, code=BANK_NO_APP)
            continue
        if not gpo.ok:
            raise CardRefused(f"GPO: SW {gpo.sw:04X}", sw=gpo.sw)
        result = parse_gpo(gpo.data)
        tags = dict(result.tags)
        records = 0
        for entry in result.afl:
            for number in range(entry.first, entry.last + 1):
                rec = channel.transmit(read_record(entry.sfi, number))
                if not rec.ok:
                    raise CardRefused(f"READ RECORD {entry.sfi}/{number}: SW {rec.sw:04X}", sw=rec.sw)
                node = _parse_one(rec.data, "record")
                if node.tag != 0x70:
                    raise BadCardData(f"record has tag {node.tag:X}, expected 70")
                records += 1
                for tag, value in _primitive_tags(list(node.children)).items():
                    tags.setdefault(tag, value)
        return _card_from_tags(tags, candidate, fci_tags, interface, result.format, records)
    if last_refusal is not None:
        raise last_refusal
    raise CardRefused("no UnionPay application could be selected", code=BANK_NO_APP)


def _card_from_tags(tags: dict[int, bytes], candidate: Candidate, fci_tags: dict[int, bytes],
                    interface: str, gpo_format: int, records: int) -> BankCard:
    pan_source = "5A"
    expiry = tags[0x5F24].hex() if 0x5F24 in tags else ""
    if 0x5A in tags:
        pan = decode_pan(tags[0x5A])
    elif 0x57 in tags:
        pan, yymm = parse_track2(tags[0x57])
        pan_source = "57"
        expiry = expiry or yymm + "00"
    else:
        raise CardRefused("no PAN (5A) nor track 2 (57) in the records", code=BANK_NO_PAN)
    if not 12 <= len(pan) <= 19 or not luhn_valid(pan):
        raise BadCardData("card number fails the length or Luhn check")
    if expiry and (len(expiry) != 6 or not expiry.isdigit()):
        raise BadCardData("expiry (5F24) is not YYMMDD")
    name = tags.get(0x5F20, b"").decode("ascii", "replace").strip(" /")
    seq = tags[0x5F34].hex() if 0x5F34 in tags else ""
    label = fci_tags.get(0x50, b"").decode("ascii", "replace").strip() or candidate.label
    return BankCard(pan=pan, expiry=expiry, cardholder_name=name, pan_sequence=seq,
                    aid=candidate.aid.hex().upper(),
                    application=UNIONPAY_AIDS.get(candidate.aid, "other"), label=label,
                    interface=interface, gpo_format=gpo_format, pan_source=pan_source,
                    records_read=records)


__all__ = ["BankCard", "TerminalParams", "build_pdol_data", "parse_afl", "parse_gpo",
           "parse_track2", "read_bank_card"]
