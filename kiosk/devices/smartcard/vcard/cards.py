"""Scripted card behaviours: bank (EMV/PBOC), social-security, staff, T=0 quirks, mute."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.devices.smartcard import tlv
from kiosk.devices.smartcard.apdu import ApduError, CommandApdu, parse_command
from kiosk.devices.smartcard.emv import PPSE, PSE
from kiosk.devices.smartcard.ssc import EF05_P2, EF06_P2, SSSE_AID
from kiosk.devices.smartcard.staffcard import STAFF_AID, card_mac

SW_OK = b"\x90\x00"
SW_NOT_FOUND = b"\x6a\x82"
SW_RECORD_NOT_FOUND = b"\x6a\x83"
SW_WRONG_LENGTH = b"\x67\x00"
SW_CONDITIONS = b"\x69\x85"
SW_SECURITY = b"\x69\x82"
SW_INS_UNKNOWN = b"\x6d\x00"
SW_WRONG_P1P2 = b"\x6a\x86"


def _with_tck(atr_without_tck: bytes) -> bytes:
    tck = 0
    for b in atr_without_tck[1:]:
        tck ^= b
    return atr_without_tck + bytes([tck])


ATR_CONTACT_T0 = bytes.fromhex("3B6800000073C84013009000")  # T=0 only: no TCK
ATR_CONTACTLESS = _with_tck(bytes.fromhex("3B8E800180318066B1840C016E01830090 00".replace(" ", "")))


class VirtualCard:
    """Answers one APDU at a time; ``None`` means no answer at all (a mute card)."""

    name = "card"
    atr = ATR_CONTACT_T0

    def power_on(self) -> None:
        """Cold or warm reset: forget selections and security state."""

    def respond(self, apdu: bytes) -> bytes | None:
        try:
            command = parse_command(apdu)
        except ApduError:
            return SW_WRONG_LENGTH
        return self.handle(command)

    def handle(self, command: CommandApdu) -> bytes | None:
        return SW_INS_UNKNOWN


class MuteCard(VirtualCard):
    """Answers reset (so the reader powers it) but never a command."""

    def handle(self, command: CommandApdu) -> bytes | None:
        return None


class T0Card(VirtualCard):
    """Wraps a card with T=0 transport habits: case-4 answers come as 61xx + GET RESPONSE, and a
    case-2 command with the wrong Le gets 6Cxx (resend with the right Le)."""

    def __init__(self, inner: VirtualCard, chunk: int = 0) -> None:
        self.inner = inner
        self.name = inner.name
        self.atr = inner.atr
        self.chunk = chunk  # >0: GET RESPONSE hands out at most this many bytes per call
        self._pending = b""

    def power_on(self) -> None:
        self._pending = b""
        self.inner.power_on()

    def handle(self, command: CommandApdu) -> bytes | None:
        if command.ins == 0xC0 and command.cla == 0x00:
            if not self._pending:
                return SW_CONDITIONS
            le = command.le if command.le is not None else 256
            available = min(len(self._pending), self.chunk or 256)
            if le > available:
                return b"\x6c" + bytes([available & 0xFF])
            return self._give(le)
        self._pending = b""
        answer = self.inner.handle(CommandApdu(command.cla, command.ins, command.p1, command.p2, command.data))
        if answer is None or len(answer) < 2:
            return answer
        data, sw = answer[:-2], answer[-2:]
        if sw != SW_OK or not data:
            return answer
        if command.data:  # case 4 on T=0: only the status goes back at first
            self._pending = data
            return b"\x61" + bytes([min(len(data), self.chunk or 256) & 0xFF])
        if command.le is not None and command.le != len(data):
            return b"\x6c" + bytes([len(data) & 0xFF])
        return answer

    def _give(self, le: int) -> bytes:
        part, self._pending = self._pending[:le], self._pending[le:]
        if self._pending:
            return part + b"\x61" + bytes([min(len(self._pending), self.chunk or 256) & 0xFF])
        return part + SW_OK


# ----- bank card -----------------------------------------------------------------------------

@dataclass(frozen=True)
class EmvProfile:
    pan: str
    expiry: str  # YYMMDD
    name: str
    pan_sequence: int = 1
    aid: bytes = bytes.fromhex("A000000333010101")
    label: str = "PBOC DEBIT"
    pse: bool = True
    ppse: bool = False
    gpo_format: int = 1
    pdol: bytes = bytes.fromhex("9F7A019F02065F2A02")
    record_has_pan: bool = True  # False: only track 2 (57) carries the number
    atr: bytes = ATR_CONTACT_T0


def _bcd_pan(pan: str) -> bytes:
    digits = pan + ("F" if len(pan) % 2 else "")
    return bytes.fromhex(digits)


class EmvCard(VirtualCard):
    DIRECTORY_SFI = 1

    def __init__(self, name: str, profile: EmvProfile) -> None:
        self.name = name
        self.profile = profile
        self.atr = profile.atr
        self._selected: bytes | None = None

    def power_on(self) -> None:
        self._selected = None

    # The card's data ------------------------------------------------------------------------
    def _track2(self) -> bytes:
        p = self.profile
        digits = f"{p.pan}D{p.expiry[:4]}2201000000000"
        return bytes.fromhex(digits + ("F" if len(digits) % 2 else ""))

    def _directory_entry(self) -> bytes:
        p = self.profile
        return tlv.encode(0x61, [tlv.encode(0x4F, p.aid), tlv.encode(0x50, p.label.encode()),
                                 tlv.encode(0x87, b"\x01")])

    def _records(self) -> dict[tuple[int, int], bytes]:
        p = self.profile
        rec2 = [tlv.encode(0x57, self._track2()), tlv.encode(0x5F20, p.name.encode("ascii")),
                tlv.encode(0x9F1F, b"0000")]
        rec3 = [tlv.encode(0x5F24, bytes.fromhex(p.expiry)), tlv.encode(0x5F25, bytes.fromhex("200101")),
                tlv.encode(0x5F28, bytes.fromhex("0156")), tlv.encode(0x5F34, bytes([p.pan_sequence]))]
        if p.record_has_pan:
            rec3.insert(0, tlv.encode(0x5A, _bcd_pan(p.pan)))
        rec4 = [tlv.encode(0x8C, bytes.fromhex("9F02069F03069F1A0295055F2A029A039C019F3704")),
                tlv.encode(0x8E, bytes(10))]
        return {(2, 1): tlv.encode(0x70, rec2), (3, 1): tlv.encode(0x70, rec3), (3, 2): tlv.encode(0x70, rec4)}

    AFL = bytes.fromhex("10010100" "18010201")

    # Commands --------------------------------------------------------------------------------
    def handle(self, command: CommandApdu) -> bytes | None:
        if command.ins == 0xA4 and command.p1 == 0x04:
            return self._select(command.data)
        if command.ins == 0xB2:
            return self._read_record(command.p1, command.p2)
        if command.cla == 0x80 and command.ins == 0xA8:
            return self._gpo(command.data)
        return SW_INS_UNKNOWN

    def _select(self, name: bytes) -> bytes:
        p = self.profile
        if name == PSE and p.pse:
            self._selected = PSE
            fci = tlv.encode(0x6F, [tlv.encode(0x84, PSE),
                                    tlv.encode(0xA5, [tlv.encode(0x88, bytes([self.DIRECTORY_SFI]))])])
            return fci + SW_OK
        if name == PPSE and p.ppse:
            self._selected = PPSE
            fci = tlv.encode(0x6F, [tlv.encode(0x84, PPSE),
                                    tlv.encode(0xA5, [tlv.encode(0xBF0C, [self._directory_entry()])])])
            return fci + SW_OK
        if name and p.aid.startswith(name):
            self._selected = p.aid
            body = [tlv.encode(0x50, p.label.encode()), tlv.encode(0x87, b"\x01")]
            if p.pdol:
                body.append(tlv.encode(0x9F38, p.pdol))
            body.append(tlv.encode(0x5F2D, b"zhen"))
            return tlv.encode(0x6F, [tlv.encode(0x84, p.aid), tlv.encode(0xA5, body)]) + SW_OK
        return SW_NOT_FOUND

    def _read_record(self, record: int, p2: int) -> bytes:
        if p2 & 0x07 != 0x04:
            return SW_WRONG_P1P2
        sfi = p2 >> 3
        if self._selected == PSE and sfi == self.DIRECTORY_SFI:
            if record == 1:
                return tlv.encode(0x70, [self._directory_entry()]) + SW_OK
            return SW_RECORD_NOT_FOUND
        if self._selected != self.profile.aid:
            return SW_CONDITIONS
        found = self._records().get((sfi, record))
        return found + SW_OK if found is not None else SW_RECORD_NOT_FOUND

    def _gpo(self, data: bytes) -> bytes:
        p = self.profile
        if self._selected != p.aid:
            return SW_CONDITIONS
        try:
            node = tlv.parse_one(data, 0x83)
            entries = tlv.parse_dol(p.pdol)
        except tlv.TlvError:
            return SW_WRONG_LENGTH
        if len(node.value) != sum(e.length for e in entries):
            return SW_WRONG_LENGTH
        pos = 0
        for entry in entries:  # check what a real PBOC card would refuse
            value = node.value[pos:pos + entry.length]
            pos += entry.length
            if entry.tag == 0x5F2A and value != bytes.fromhex("0156"):
                return SW_CONDITIONS
            if entry.tag == 0x9F02 and not value.hex().isdigit():
                return SW_CONDITIONS
        aip = bytes.fromhex("7C00") if p.gpo_format == 1 else bytes.fromhex("0000")
        if p.gpo_format == 1:
            return tlv.encode(0x80, aip + self.AFL) + SW_OK
        # qPBOC style: the GPO answer already carries track 2 and the sequence number.
        return tlv.encode(0x77, [tlv.encode(0x82, aip), tlv.encode(0x94, self.AFL),
                                 tlv.encode(0x57, self._track2()),
                                 tlv.encode(0x5F34, bytes([p.pan_sequence])),
                                 tlv.encode(0x9F10, bytes.fromhex("07010103A00000010A01000000000000000000"))]) + SW_OK


# ----- social-security card ------------------------------------------------------------------

@dataclass(frozen=True)
class SscProfile:
    identifier: bytes  # 16 bytes; first 6 hex digits = region
    version: str  # "1.00" / "2.00" / "3.00"
    issue: str  # YYYYMMDD
    expiry: str
    card_number: str  # 9 characters
    ssn: str
    name: str
    gender: str  # "1" male, "2" female
    pin_required: bool = False


class SocialSecurityCard(VirtualCard):
    def __init__(self, name: str, profile: SscProfile) -> None:
        self.name = name
        self.profile = profile
        self._selected = False

    def power_on(self) -> None:
        self._selected = False

    def _ef05(self) -> dict[int, bytes]:
        p = self.profile
        return {1: p.identifier, 2: b"3", 3: p.version.encode(), 4: b"\x31\x30\x30\x30\x30\x30\x30\x30",
                5: bytes.fromhex(p.issue), 6: bytes.fromhex(p.expiry), 7: p.card_number.encode()}

    def _ef06(self) -> dict[int, bytes]:
        p = self.profile
        name = p.name.encode("gbk").ljust(30, b"\x00")
        records = {1: p.ssn.encode(), 2: name}
        if p.version.startswith("1"):
            records[3] = p.gender.encode()
        else:
            records[3] = b"\x00" * 20  # 2nd generation: name extension
            records[4] = p.gender.encode()
        return records

    def handle(self, command: CommandApdu) -> bytes | None:
        if command.ins == 0xA4 and command.p1 == 0x04:
            if command.data == SSSE_AID:
                self._selected = True
                return tlv.encode(0x6F, [tlv.encode(0x84, SSSE_AID)]) + SW_OK
            self._selected = False
            return SW_NOT_FOUND
        if command.ins == 0xB2:
            if not self._selected:
                return SW_CONDITIONS
            return self._read_record(command.p1, command.p2)
        return SW_INS_UNKNOWN

    def _locked(self, p2: int, record: int) -> bool:
        p = self.profile
        if p.version.startswith("3"):
            return not (p2 == EF05_P2 and record in (1, 3))
        return p.pin_required and p2 == EF06_P2

    def _read_record(self, record: int, p2: int) -> bytes:
        files = {EF05_P2: self._ef05, EF06_P2: self._ef06}
        source = files.get(p2)
        if source is None:
            return SW_NOT_FOUND
        if self._locked(p2, record):
            return SW_SECURITY
        value = source().get(record)
        if value is None:
            return SW_RECORD_NOT_FOUND
        return bytes([record, len(value)]) + value + SW_OK


# ----- staff card ------------------------------------------------------------------------------

class StaffCard(VirtualCard):
    atr = ATR_CONTACTLESS

    def __init__(self, name: str, staff_id: str, role: str, key_version: int, card_key: bytes) -> None:
        self.name = name
        self.staff_id, self.role, self.key_version, self.card_key = staff_id, role, key_version, card_key
        self._selected = False

    def power_on(self) -> None:
        self._selected = False

    def handle(self, command: CommandApdu) -> bytes | None:
        if command.ins == 0xA4 and command.p1 == 0x04:
            self._selected = command.data == STAFF_AID
            if not self._selected:
                return SW_NOT_FOUND
            return tlv.encode(0x6F, [tlv.encode(0x84, STAFF_AID), tlv.encode(0xA5, [tlv.encode(0xDF01, b"\x01")])]) + SW_OK
        if not self._selected:
            return SW_CONDITIONS
        if command.cla == 0x80 and command.ins == 0xCA and command.p2 == 0x66:
            return tlv.encode(0x66, [tlv.encode(0xDF10, self.staff_id.encode()), tlv.encode(0xDF11, self.role.encode()),
                                     tlv.encode(0xDF12, bytes([self.key_version]))]) + SW_OK
        if command.ins == 0x88:
            if len(command.data) != 32:
                return SW_WRONG_LENGTH
            return card_mac(self.card_key, command.data, self.staff_id) + SW_OK
        return SW_INS_UNKNOWN
