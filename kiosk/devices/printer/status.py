"""Real-time status bytes (DLE EOT n) → a printer condition → the common device status.

A DLE EOT reply always has the shape 0xx1xx10 (bits 1 and 4 set, bits 0 and 7 clear), which tells
it from stale bytes, automatic status back blocks and the GS r fence reply (bit 4 clear).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from kiosk.devices.base import DeviceState
from kiosk.devices.printer import errors

Paper = Literal["ok", "near_end", "out"]


def is_status_byte(b: int) -> bool:
    return (b & 0b1001_0011) == 0b0001_0010


def is_fence_reply(b: int) -> bool:
    """GS r 1 answers with bit 4 and bit 7 clear (paper sensor status)."""
    return (b & 0b1001_0000) == 0


@dataclass(frozen=True)
class PrinterCondition:
    paper: Paper = "ok"
    cover_open: bool = False
    offline: bool = False
    cutter_error: bool = False
    unrecoverable: bool = False
    auto_recoverable: bool = False
    error: bool = False

    @property
    def printable(self) -> bool:
        return self.state in (DeviceState.ONLINE, DeviceState.BUSY)

    @property
    def error_code(self) -> str | None:
        if self.unrecoverable:
            return errors.UNRECOVERABLE
        if self.cutter_error:
            return errors.CUTTER_ERROR
        if self.cover_open:
            return errors.COVER_OPEN
        if self.paper == "out":
            return errors.PAPER_OUT
        if self.error:
            return errors.PRINTER_ERROR
        if self.offline:
            return errors.OFFLINE
        if self.paper == "near_end":
            return errors.PAPER_NEAR_END
        return None

    @property
    def state(self) -> DeviceState:
        if self.unrecoverable or self.cutter_error:
            return DeviceState.HARDWARE_ERROR
        if self.cover_open or self.paper == "out":
            return DeviceState.USER_ERROR  # a person can fix it: load paper, close the cover
        if self.error:
            return DeviceState.HARDWARE_ERROR
        if self.offline:
            return DeviceState.OFFLINE
        return DeviceState.ONLINE

    @property
    def message_key(self) -> str | None:
        code = self.error_code
        return f"printer.status.{code.replace('-', '_')}" if code else None

    def as_detail(self) -> dict[str, object]:
        return {"paper": self.paper, "cover_open": self.cover_open, "offline": self.offline,
                "cutter_error": self.cutter_error, "unrecoverable": self.unrecoverable}


class StatusShapeError(ValueError):
    pass


def parse_status(replies: Mapping[int, int]) -> PrinterCondition:
    """Combine the replies to DLE EOT 1/2/4 (and 3 if asked) into one condition.

    Raises :class:`StatusShapeError` for a byte without the status shape or an unknown n."""
    for n, b in replies.items():
        if n not in (1, 2, 3, 4):
            raise StatusShapeError(f"DLE EOT {n} does not exist")
        if not 0 <= b <= 255 or not is_status_byte(b):
            raise StatusShapeError(f"reply 0x{b:02X} to DLE EOT {n} is not a status byte")
    s1 = replies.get(1, 0x12)
    s2 = replies.get(2, 0x12)
    s3 = replies.get(3, 0x12)
    s4 = replies.get(4, 0x12)
    paper_out = bool(s4 & 0x60) or bool(s2 & 0x20)
    near_end = bool(s4 & 0x0C)
    paper: Paper = "out" if paper_out else ("near_end" if near_end else "ok")
    return PrinterCondition(
        paper=paper,
        cover_open=bool(s2 & 0x04),
        offline=bool(s1 & 0x08),
        error=bool(s2 & 0x40),
        cutter_error=bool(s3 & 0x08),
        unrecoverable=bool(s3 & 0x20),
        auto_recoverable=bool(s3 & 0x40),
    )
