"""Draws a printed page (interpreter output) as the paper would look, into a PNG (Pillow).

QR codes are drawn by encoding the payload again (segno), so a test that decodes the PNG checks
what the printer was told to print, not a picture the driver made.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from kiosk.devices.printer.simulator.interpreter import (
    FONT_DOTS,
    Feed,
    Page,
    PrintedLine,
    PrintedQr,
    PrintedRaster,
    char_dots,
)

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
MARGIN = 16  # unprintable paper edge on each side, in dots
QUIET = 4  # QR quiet zone in modules
MAX_HEIGHT = 20000  # a runaway page (garbage feeds) is cut off here instead of eating memory


def font_path() -> Path:
    for p in FONT_CANDIDATES:
        if p.exists():
            return p
    raise FileNotFoundError("no CJK font found (install fonts-wqy-microhei)")


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size, index=0)


@lru_cache(maxsize=4096)
def _glyph(ch: str, width: int, height: int, bold: bool) -> Image.Image:
    """One character cell as an ink mask (255 = black), scaled like the printer scales it."""
    base_w = char_dots(ch)
    size = FONT_DOTS * height
    font = _font(size)
    left, _top, right, _bottom = font.getbbox(ch)
    ink_w = int(right - left) + (2 if bold else 0)
    # A proportional font's wide letters (M, W) do not fit a 12-dot cell: draw them on a wider
    # canvas and squeeze, as a printer's fixed-pitch font would look.
    canvas_w = max(base_w * height, ink_w + 2)
    cell = Image.new("L", (canvas_w, size), 0)
    draw = ImageDraw.Draw(cell)
    ascent, descent = font.getmetrics()
    x = (canvas_w - int(right - left)) // 2 - int(left)
    y = (size - (ascent + descent)) // 2 + 1
    draw.text((x, y), ch, fill=255, font=font, stroke_width=1 if bold else 0, stroke_fill=255)
    target = (base_w * width, size)
    if cell.size != target:
        cell = cell.resize(target)
    return cell


def _qr_size(qr: PrintedQr) -> tuple[segno.QRCode | None, int]:
    try:
        code = segno.make(qr.data, error=qr.ec.lower(), micro=False)
    except (segno.DataOverflowError, ValueError):
        return None, FONT_DOTS
    return code, (int(code.symbol_size(scale=1, border=0)[0]) + 2 * QUIET) * qr.module


def _x_for(align: int, width: int, dots: int) -> int:
    if align == 1:
        return max(0, (dots - width) // 2)
    if align == 2:
        return max(0, dots - width)
    return 0


def render_page(page: Page, dots: int, path: Path | None = None) -> Image.Image:
    heights: list[int] = []
    qrs: dict[int, tuple[segno.QRCode | None, int]] = {}
    for i, e in enumerate(page.elements):
        if isinstance(e, PrintedLine):
            heights.append(e.height_dots)
        elif isinstance(e, Feed):
            heights.append(e.dots)
        elif isinstance(e, PrintedQr):
            qrs[i] = _qr_size(e)
            heights.append(qrs[i][1])
        else:
            heights.append(e.height)
    total = min(MAX_HEIGHT, sum(heights) + 2 * MARGIN)
    img = Image.new("L", (dots + 2 * MARGIN, max(total, 2 * MARGIN + 1)), 255)
    draw = ImageDraw.Draw(img)
    y = MARGIN
    for i, e in enumerate(page.elements):
        if isinstance(e, PrintedLine):
            width = sum(char_dots(ch) * r.width for r in e.runs for ch in r.text)
            x = MARGIN + _x_for(e.align, width, dots)
            line_h = e.height_dots - 6
            for r in e.runs:
                for ch in r.text:
                    g = _glyph(ch, r.width, r.height, r.bold)
                    if x + g.width <= MARGIN + dots:
                        img.paste(0, (x, y + line_h - g.height, x + g.width, y + line_h), g)
                    x += g.width
        elif isinstance(e, PrintedQr):
            code, size = qrs[i]
            x0 = MARGIN + _x_for(e.align, size, dots)
            if code is None:
                draw.rectangle((x0, y, x0 + FONT_DOTS * 4, y + FONT_DOTS - 1), outline=0)
            else:
                m = e.module
                for row_i, row in enumerate(code.matrix):
                    for col_i, v in enumerate(row):
                        if v:
                            px = x0 + (col_i + QUIET) * m
                            py = y + (row_i + QUIET) * m
                            draw.rectangle((px, py, px + m - 1, py + m - 1), fill=0)
        elif isinstance(e, PrintedRaster):
            w = e.width_bytes * 8
            x0 = MARGIN + _x_for(e.align, w, dots)
            bits = Image.frombytes("1", (w, e.height), e.bits) if e.width_bytes and e.height else None
            if bits is not None:
                # In a "1" image a set bit is white; on paper a set bit is a black dot.
                mask = bits.convert("L")
                img.paste(0, (x0, y, x0 + w, y + e.height), mask)
        y += heights[i]
        if y >= MAX_HEIGHT:
            break
    if page.cut:
        for x in range(0, img.width, 12):
            draw.line((x, img.height - 2, x + 6, img.height - 2), fill=0 if page.cut == "full" else 128)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        img.save(path, format="PNG")
    return img
