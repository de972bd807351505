"""ESC/POS encoder: builds the bytes of a receipt (pure; no I/O).

Written here rather than taken from python-escpos: that library's serial class blocks on every
status read, cannot ask DLE EOT 2/3, and its text path picks code pages for Latin scripts, while
Chinese printers want the whole text in the model's own multi-byte encoding inside Chinese mode.
The subset a receipt needs is small and every byte of it is tested against the simulator.
"""

from __future__ import annotations

from enum import IntEnum

import segno

ESC = 0x1B
GS = 0x1D
FS = 0x1C
DLE = 0x10
EOT = 0x04
LF = 0x0A

INIT = b"\x1b\x40"
CHINESE_ON = b"\x1c\x26"
CHINESE_OFF = b"\x1c\x2e"
ASB_OFF = b"\x1d\x61\x00"
FENCE = b"\x1d\x72\x01"  # GS r 1: paper sensor status, sent only after the buffered data ran


class Align(IntEnum):
    LEFT = 0
    CENTER = 1
    RIGHT = 2


def dle_eot(n: int) -> bytes:
    if n not in (1, 2, 3, 4):
        raise ValueError("DLE EOT n must be 1..4")
    return bytes((DLE, EOT, n))


QR_EC_LEVELS = {"L": 48, "M": 49, "Q": 50, "H": 51}


class EscPosBuilder:
    """Accumulates ESC/POS commands; ``text`` encodes with the model's encoding."""

    def __init__(self, encoding: str = "gb18030", chinese_mode: bool = True) -> None:
        self.encoding = encoding
        self.chinese_mode = chinese_mode
        self._buf = bytearray()
        # Offsets where one command or character ends: the only places a job may be split for a
        # real-time status request (DLE EOT inside another command's bytes corrupts it).
        self._marks: list[int] = []
        self.lossy_characters = 0  # characters the encoding could not carry ("?" printed)

    def _mark(self) -> EscPosBuilder:
        self._marks.append(len(self._buf))
        return self

    def raw(self, data: bytes) -> EscPosBuilder:
        self._buf += data
        return self._mark()

    def init(self) -> EscPosBuilder:
        self._buf += INIT + ASB_OFF
        if self.chinese_mode:
            self._buf += CHINESE_ON
        return self._mark()

    def align(self, align: Align) -> EscPosBuilder:
        self._buf += bytes((ESC, 0x61, int(align)))
        return self._mark()

    def bold(self, on: bool) -> EscPosBuilder:
        self._buf += bytes((ESC, 0x45, 1 if on else 0))
        return self._mark()

    def size(self, width: int = 1, height: int = 1) -> EscPosBuilder:
        if not (1 <= width <= 8 and 1 <= height <= 8):
            raise ValueError("character size multipliers are 1..8")
        self._buf += bytes((GS, 0x21, ((width - 1) << 4) | (height - 1)))
        return self._mark()

    def text(self, text: str) -> EscPosBuilder:
        for ch in text:
            if ch == "\n":
                self._buf.append(LF)
                continue
            try:
                self._buf += ch.encode(self.encoding)
            except UnicodeEncodeError:
                self.lossy_characters += 1
                self._buf += b"?"
            self._marks.append(len(self._buf))
        return self._mark()

    def line(self, text: str = "") -> EscPosBuilder:
        return self.text(text).raw(bytes((LF,)))

    def feed(self, lines: int) -> EscPosBuilder:
        self._buf += bytes((ESC, 0x64, max(0, min(255, lines))))
        return self._mark()

    def qr_native(self, data: str, module: int = 6, ec: str = "M") -> EscPosBuilder:
        payload = data.encode("utf-8")
        if len(payload) > 7000:
            raise ValueError("QR payload too long")

        def block(fn: int, params: bytes) -> bytes:
            n = len(params) + 2
            return bytes((GS, 0x28, 0x6B, n & 0xFF, n >> 8, 0x31, fn)) + params

        self._buf += block(0x41, b"\x32\x00")  # model 2
        self._buf += block(0x43, bytes((max(1, min(16, module)),)))
        self._buf += block(0x45, bytes((QR_EC_LEVELS[ec],)))
        self._buf += block(0x50, b"\x30" + payload)  # store
        self._buf += block(0x51, b"\x30")  # print
        return self._mark()

    def qr_raster(self, data: str, module: int = 6, ec: str = "M") -> EscPosBuilder:
        """For models without native QR: the code (with its quiet zone) as a GS v 0 raster image."""
        qr = segno.make(data, error=ec.lower(), micro=False)
        rows = [[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=4)]
        return self.raster(rows, len(rows[0]) if rows else 0, len(rows), scale=module)

    def raster(self, rows: list[list[bool]], width: int, height: int, *, scale: int = 1) -> EscPosBuilder:
        """GS v 0: ``rows`` of dots (True = black), each dot drawn ``scale`` x ``scale``."""
        dots_w = width * scale
        bytes_per_row = (dots_w + 7) // 8
        self._buf += bytes((GS, 0x76, 0x30, 0, bytes_per_row & 0xFF, bytes_per_row >> 8,
                            (height * scale) & 0xFF, (height * scale) >> 8))
        on, off = "1" * scale, "0" * scale
        pad = "0" * (bytes_per_row * 8 - dots_w)
        for row in rows:
            bits = "".join(on if black else off for black in row[:width]) + pad
            packed = int(bits, 2).to_bytes(bytes_per_row, "big") if bits else b""
            self._buf += packed * scale
        return self._mark()

    def cut(self, partial: bool = False, feed_dots: int = 96) -> EscPosBuilder:
        # GS V 65/66 n: feed n dots to the cutter position, then cut (full / partial).
        self._buf += bytes((GS, 0x56, 0x42 if partial else 0x41, max(0, min(255, feed_dots))))
        return self._mark()

    def build(self) -> bytes:
        return bytes(self._buf)

    def chunks(self, max_bytes: int) -> list[bytes]:
        """The job split at command boundaries into pieces of about ``max_bytes`` (a single
        command longer than that, e.g. a raster image, stays whole)."""
        out: list[bytes] = []
        start = 0
        last = 0
        for mark in [*self._marks, len(self._buf)]:
            if mark - start > max_bytes and last > start:
                out.append(bytes(self._buf[start:last]))
                start = last
            last = mark
        if start < len(self._buf):
            out.append(bytes(self._buf[start:]))
        return out
