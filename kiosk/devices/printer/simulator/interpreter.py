"""ESC/POS interpreter: bytes in, a document model out (lines of styled text, QR codes, rasters, cuts).

Pure and incremental: :meth:`EscPosInterpreter.feed` takes any slice of the byte stream, keeps an
incomplete command for the next call and never raises on garbage (unknown commands are counted and
skipped, undecodable text becomes U+FFFD) — a printer does not crash on line noise either.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field

HALF_DOTS = 12
FULL_DOTS = 24
FONT_DOTS = 24
LINE_GAP_DOTS = 6
MAX_COMMAND_BYTES = 1 << 20  # a raster or QR block larger than this is treated as garbage


@dataclass
class Run:
    text: str
    bold: bool
    width: int
    height: int


@dataclass
class PrintedLine:
    runs: list[Run]
    align: int
    wrapped: bool = False  # the printer wrapped it because it was wider than the paper

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    @property
    def height_dots(self) -> int:
        h = max((r.height for r in self.runs), default=1)
        return FONT_DOTS * h + LINE_GAP_DOTS


@dataclass
class PrintedQr:
    data: bytes
    module: int
    ec: str
    align: int


@dataclass
class PrintedRaster:
    width_bytes: int
    height: int
    bits: bytes
    align: int


@dataclass
class Feed:
    dots: int


Element = PrintedLine | PrintedQr | PrintedRaster | Feed


@dataclass
class Page:
    """Everything printed between two cuts."""

    elements: list[Element] = field(default_factory=list)
    cut: str = ""  # "full" / "partial"; "" while still printing

    @property
    def lines(self) -> list[str]:
        return [e.text for e in self.elements if isinstance(e, PrintedLine)]

    @property
    def qr_payloads(self) -> list[bytes]:
        return [e.data for e in self.elements if isinstance(e, PrintedQr)]

    @property
    def wrapped_lines(self) -> int:
        return sum(1 for e in self.elements if isinstance(e, PrintedLine) and e.wrapped)


def char_dots(ch: str) -> int:
    return HALF_DOTS if ord(ch) < 0x80 else FULL_DOTS


class EscPosInterpreter:
    def __init__(self, encoding: str, dots: int, *,
                 on_cut: Callable[[Page], None] | None = None,
                 on_fence: Callable[[int], None] | None = None,
                 on_realtime: Callable[[int], None] | None = None,
                 chinese_mode_at_boot: bool = True) -> None:
        self.encoding = encoding
        self.dots = dots
        self.on_cut = on_cut
        self.on_fence = on_fence
        # Real-time commands met in the normal stream; the simulator answers them on reception
        # instead, so it passes None here.
        self.on_realtime = on_realtime
        self.chinese_at_boot = chinese_mode_at_boot
        self.page = Page()
        self.pages: list[Page] = []
        self.unknown_commands = 0
        self.bytes_seen = 0
        self.asb_enabled = False
        self._buf = bytearray()
        self._reset_modes()
        self._runs: list[Run] = []
        self._line_dots = 0
        self._qr_store = b""

    # --- modes ---------------------------------------------------------------------------
    def _reset_modes(self) -> None:
        self.bold = False
        self.width = 1
        self.height = 1
        self.align = 0
        self.chinese = self.chinese_at_boot
        self.qr_module = 3
        self.qr_ec = "L"
        self._decoder = self._new_decoder()

    def _new_decoder(self) -> codecs.IncrementalDecoder:
        enc = self.encoding if self.chinese else "cp437"
        return codecs.getincrementaldecoder(enc)(errors="replace")

    def _style_changed(self) -> None:
        # A multi-byte character cut by a command is garbage; flush what the decoder holds.
        self._add_text(self._decoder.decode(b"", final=True))
        self._decoder = self._new_decoder()

    # --- text ----------------------------------------------------------------------------
    def _add_text(self, text: str) -> None:
        for ch in text:
            w = char_dots(ch) * self.width
            if self._line_dots + w > self.dots and self._line_dots > 0:
                self._end_line(wrapped=True)
            if self._runs and (self._runs[-1].bold, self._runs[-1].width, self._runs[-1].height) == (
                    self.bold, self.width, self.height):
                self._runs[-1].text += ch
            else:
                self._runs.append(Run(ch, self.bold, self.width, self.height))
            self._line_dots += w

    def _end_line(self, wrapped: bool = False) -> None:
        if self._runs:
            self.page.elements.append(PrintedLine(self._runs, self.align, wrapped))
        else:
            self.page.elements.append(Feed(FONT_DOTS * self.height + LINE_GAP_DOTS))
        self._runs = []
        self._line_dots = 0

    def _flush_partial_line(self) -> None:
        self._style_changed()
        if self._runs:
            self._end_line()

    # --- the byte stream -------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self._buf += data
        self.bytes_seen += len(data)
        pos = 0
        buf = self._buf
        n = len(buf)
        while pos < n:
            used = self._step(buf, pos, n)
            if used == 0:
                break  # incomplete command: wait for more bytes
            pos += used
        del self._buf[:pos]

    def _step(self, buf: bytearray, pos: int, n: int) -> int:
        b = buf[pos]
        if b >= 0x20 or b == 0x09:
            end = pos
            while end < n and (buf[end] >= 0x20 or buf[end] == 0x09):
                end += 1
            chunk = bytes(buf[pos:end]).replace(b"\t", b"    ")
            self._add_text(self._decoder.decode(chunk))
            return end - pos
        if b == 0x0A:
            self._style_changed()
            self._end_line()
            return 1
        if b in (0x0D, 0x00):
            return 1
        if b == 0x10:
            return self._dle(buf, pos, n)
        if b == 0x1B:
            return self._esc(buf, pos, n)
        if b == 0x1D:
            return self._gs(buf, pos, n)
        if b == 0x1C:
            return self._fs(buf, pos, n)
        self.unknown_commands += 1
        return 1

    def _dle(self, buf: bytearray, pos: int, n: int) -> int:
        if n - pos < 2:
            return 0
        if buf[pos + 1] == 0x04:
            if n - pos < 3:
                return 0
            if self.on_realtime is not None:
                self.on_realtime(buf[pos + 2])
            return 3
        if buf[pos + 1] == 0x14:  # DLE DC4 fn m t
            return 5 if n - pos >= 5 else 0
        self.unknown_commands += 1
        return 1

    def _esc(self, buf: bytearray, pos: int, n: int) -> int:
        if n - pos < 2:
            return 0
        cmd = buf[pos + 1]
        if cmd == 0x40:  # ESC @
            self._style_changed()
            self._runs = []
            self._line_dots = 0
            self._reset_modes()
            return 2
        if cmd == 0x32:  # ESC 2: default line spacing
            return 2
        if cmd in (0x45, 0x61, 0x21, 0x64, 0x4A, 0x2D, 0x33, 0x4D, 0x74, 0x47, 0x56, 0x7B, 0x52, 0x20,
                   0x63, 0x70):
            if cmd == 0x70:  # ESC p m t1 t2 (drawer pulse)
                return 5 if n - pos >= 5 else 0
            if n - pos < 3:
                return 0
            arg = buf[pos + 2]
            if cmd == 0x63:  # ESC c 3/4 n: paper sensor settings
                return 4 if n - pos >= 4 else 0
            if cmd == 0x45:
                self._style_changed()
                self.bold = bool(arg & 1)
            elif cmd == 0x61:
                self.align = {0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}.get(arg, self.align)
            elif cmd == 0x21:
                self._style_changed()
                self.bold = bool(arg & 0x08)
                self.height = 2 if arg & 0x10 else 1
                self.width = 2 if arg & 0x20 else 1
            elif cmd == 0x64:
                self._flush_partial_line()
                for _ in range(arg):
                    self._end_line()
            elif cmd == 0x4A:
                self._flush_partial_line()
                self.page.elements.append(Feed(arg))
            return 3
        self.unknown_commands += 1
        return 2

    def _fs(self, buf: bytearray, pos: int, n: int) -> int:
        if n - pos < 2:
            return 0
        cmd = buf[pos + 1]
        if cmd in (0x26, 0x2E):
            self._style_changed()
            self.chinese = cmd == 0x26
            self._decoder = self._new_decoder()
            return 2
        if cmd in (0x21, 0x2D, 0x43):  # FS ! n, FS - n, FS C n
            return 3 if n - pos >= 3 else 0
        self.unknown_commands += 1
        return 2

    def _gs(self, buf: bytearray, pos: int, n: int) -> int:
        if n - pos < 2:
            return 0
        cmd = buf[pos + 1]
        if cmd in (0x21, 0x72, 0x61, 0x56, 0x42, 0x48, 0x66, 0x68, 0x77, 0x4C, 0x57):
            if n - pos < 3:
                return 0
            arg = buf[pos + 2]
            if cmd == 0x21:
                self._style_changed()
                self.width = ((arg >> 4) & 0x07) + 1
                self.height = (arg & 0x07) + 1
            elif cmd == 0x72:
                if self.on_fence is not None:
                    self.on_fence(arg)
            elif cmd == 0x61:
                self.asb_enabled = arg != 0
            elif cmd == 0x56:
                if arg in (65, 66, 97, 98, 103, 104):
                    if n - pos < 4:
                        return 0
                    self._cut(partial=arg in (66, 98, 104), feed=buf[pos + 3])
                    return 4
                self._cut(partial=arg in (1, 49), feed=0)
            elif cmd in (0x4C, 0x57):  # GS L / GS W nL nH
                return 4 if n - pos >= 4 else 0
            return 3
        if cmd == 0x28:  # GS ( fn pL pH …
            if n - pos < 5:
                return 0
            length = buf[pos + 3] | (buf[pos + 4] << 8)
            if n - pos < 5 + length:
                return 0
            if buf[pos + 2] == 0x6B:
                self._qr_block(bytes(buf[pos + 5:pos + 5 + length]))
            return 5 + length
        if cmd == 0x76:  # GS v 0 m xL xH yL yH d…
            if n - pos < 8:
                return 0
            if buf[pos + 2] != 0x30:
                self.unknown_commands += 1
                return 3
            xb = buf[pos + 4] | (buf[pos + 5] << 8)
            yb = buf[pos + 6] | (buf[pos + 7] << 8)
            size = xb * yb
            if size > MAX_COMMAND_BYTES:
                self.unknown_commands += 1
                return 8
            if n - pos < 8 + size:
                return 0
            self._flush_partial_line()
            self.page.elements.append(PrintedRaster(xb, yb, bytes(buf[pos + 8:pos + 8 + size]), self.align))
            return 8 + size
        self.unknown_commands += 1
        return 2

    def _qr_block(self, block: bytes) -> None:
        if len(block) < 2 or block[0] != 0x31:
            self.unknown_commands += 1
            return
        fn, params = block[1], block[2:]
        if fn == 0x43 and params:
            self.qr_module = max(1, min(16, params[0]))
        elif fn == 0x45 and params:
            self.qr_ec = {48: "L", 49: "M", 50: "Q", 51: "H"}.get(params[0], self.qr_ec)
        elif fn == 0x50 and params:
            self._qr_store = params[1:]
        elif fn == 0x51 and self._qr_store:
            self._flush_partial_line()
            self.page.elements.append(PrintedQr(self._qr_store, self.qr_module, self.qr_ec, self.align))

    def _cut(self, partial: bool, feed: int) -> None:
        self._flush_partial_line()
        if feed:
            self.page.elements.append(Feed(feed))
        self.page.cut = "partial" if partial else "full"
        page, self.page = self.page, Page()
        self.pages.append(page)
        del self.pages[:-50]  # a long-running simulator keeps only the recent pages
        if self.on_cut is not None:
            self.on_cut(page)
