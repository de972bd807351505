"""APDUs (ISO/IEC 7816-4) and a channel that completes T=0 style exchanges.

:class:`ApduChannel` sits on top of one raw primitive, ``transmit(bytes) -> bytes`` (PC/SC in
production, a function in unit tests). pyscard does not do what T=0 cards need, so the channel
does it: ``61xx`` → GET RESPONSE ``00 C0 00 00 xx`` (repeated, data concatenated), ``6Cxx`` →
the same command again with Le = xx. It counts APDUs and their round-trip time for the bench, and
checks the cancel token between exchanges. Command and response bytes are never logged: they
carry card numbers and names.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.devices.base import NEVER_CANCELLED, CancelToken
from kiosk.devices.smartcard.errors import BadCardData, Cancelled, CardRefused

SW_OK = 0x9000
MAX_GET_RESPONSE = 64  # a card chaining 61xx forever is a broken card, not a long answer


class ApduError(ValueError):
    """A command or response APDU is malformed."""


@dataclass(frozen=True)
class CommandApdu:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # None: no Le; 0..256 (256 is sent as 00)

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            if not 0 <= getattr(self, name) <= 0xFF:
                raise ApduError(f"{name} out of range")
        if len(self.data) > 255:
            raise ApduError("short APDU data longer than 255 bytes")
        if self.le is not None and not 0 <= self.le <= 256:
            raise ApduError("Le out of range")

    def encode(self) -> bytes:
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            out += bytes([self.le & 0xFF])
        return out

    def with_le(self, le: int) -> CommandApdu:
        return CommandApdu(self.cla, self.ins, self.p1, self.p2, self.data, le)

    def __repr__(self) -> str:  # the data field may hold a PIN or a challenge
        return f"CommandApdu({self.cla:02X} {self.ins:02X} {self.p1:02X} {self.p2:02X}, Lc={len(self.data)}, Le={self.le})"


def parse_command(raw: bytes) -> CommandApdu:
    """Decode a short command APDU (cases 1-4); used by the virtual cards."""
    raw = bytes(raw)
    if len(raw) < 4:
        raise ApduError("command APDU shorter than 4 bytes")
    cla, ins, p1, p2 = raw[:4]
    body = raw[4:]
    if not body:
        return CommandApdu(cla, ins, p1, p2)
    if len(body) == 1:
        return CommandApdu(cla, ins, p1, p2, b"", body[0] or 256)
    lc = body[0]
    if lc == 0:
        raise ApduError("extended APDUs are not supported")
    if len(body) == 1 + lc:
        return CommandApdu(cla, ins, p1, p2, body[1:])
    if len(body) == 2 + lc:
        return CommandApdu(cla, ins, p1, p2, body[1:1 + lc], body[-1] or 256)
    raise ApduError(f"Lc={lc} does not match {len(body) - 1} body bytes")


@dataclass(frozen=True)
class ResponseApdu:
    data: bytes
    sw1: int
    sw2: int

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    def encode(self) -> bytes:
        return self.data + bytes([self.sw1, self.sw2])

    def __repr__(self) -> str:
        return f"ResponseApdu(len={len(self.data)}, sw={self.sw:04X})"


def parse_response(raw: bytes) -> ResponseApdu:
    raw = bytes(raw)
    if len(raw) < 2:
        raise ApduError(f"response APDU of {len(raw)} bytes has no status word")
    return ResponseApdu(raw[:-2], raw[-2], raw[-1])


RawTransmit = Callable[[bytes], bytes]


@dataclass
class ChannelStats:
    apdus: int = 0  # exchanges on the wire, GET RESPONSE and resends included
    seconds: float = 0.0  # time spent inside the raw transmit
    round_trips: list[float] = field(default_factory=list)


class ApduChannel:
    def __init__(self, raw: RawTransmit, token: CancelToken = NEVER_CANCELLED) -> None:
        self._raw = raw
        self.token = token
        self.stats = ChannelStats()

    def _exchange(self, command: CommandApdu) -> ResponseApdu:
        if self.token.cancelled:
            raise Cancelled("cancelled between APDUs")
        start = time.perf_counter()
        raw = self._raw(command.encode())
        elapsed = time.perf_counter() - start
        self.stats.apdus += 1
        self.stats.seconds += elapsed
        self.stats.round_trips.append(elapsed)
        try:
            return parse_response(raw)
        except ApduError as e:
            raise BadCardData(str(e)) from None

    def transmit(self, command: CommandApdu) -> ResponseApdu:
        """Send ``command`` and complete 61xx / 6Cxx; returns the final response."""
        response = self._exchange(command)
        if response.sw1 == 0x6C:
            response = self._exchange(command.with_le(response.sw2 or 256))
        data = bytearray(response.data)
        rounds = 0
        while response.sw1 == 0x61:
            rounds += 1
            if rounds > MAX_GET_RESPONSE:
                raise BadCardData("GET RESPONSE chain too long")
            get_response = CommandApdu(0x00, 0xC0, 0x00, 0x00, b"", response.sw2 or 256)
            response = self._exchange(get_response)
            if response.sw1 == 0x6C:
                response = self._exchange(get_response.with_le(response.sw2 or 256))
            data += response.data
        return ResponseApdu(bytes(data), response.sw1, response.sw2)

    def expect_ok(self, command: CommandApdu, what: str) -> bytes:
        """Transmit and require 9000; anything else is :class:`CardRefused`."""
        response = self.transmit(command)
        if not response.ok:
            raise CardRefused(f"{what}: SW {response.sw:04X}", sw=response.sw)
        return response.data


def select_by_name(aid: bytes, *, next_occurrence: bool = False) -> CommandApdu:
    return CommandApdu(0x00, 0xA4, 0x04, 0x02 if next_occurrence else 0x00, aid, 256)


def read_record(sfi: int, record: int, le: int = 256) -> CommandApdu:
    if not 1 <= sfi <= 30 or not 1 <= record <= 0xFE:
        raise ApduError("SFI or record number out of range")
    return CommandApdu(0x00, 0xB2, record, (sfi << 3) | 0x04, b"", le)
