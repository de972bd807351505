"""The receipt slip: data (:class:`ReceiptData`) + template (``assets/printer/receipt.toml``) →
ESC/POS bytes that fit the model's paper (58 or 80 mm, from its profile).

Name and ID number are masked here, so the full values never reach the paper. A reprint (补打)
is the same slip with the blocks marked ``only = "reprint"`` added (the copy mark and the time of
the reprint), so nobody takes it for the original.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from kiosk.config import PROJECT_ROOT
from kiosk.devices.printer.escpos import Align, EscPosBuilder
from kiosk.devices.printer.profiles import PrinterProfile
from kiosk.i18n import CATALOGUE
from kiosk.privacy import mask_id_number, mask_name

TEMPLATE_FILE = PROJECT_ROOT / "assets" / "printer" / "receipt.toml"
ALIGNS = {"left": Align.LEFT, "center": Align.CENTER, "right": Align.RIGHT}
ONLY = {"reprint"}  # a block's ``only``: drawn on reprints alone


@dataclass(frozen=True)
class ReceiptData:
    terminal_id: str
    branch: str
    item_name: str
    holder_name: str  # full name: masked when laid out
    id_number: str  # full number: masked when laid out
    reference: str
    issued_at: datetime
    state: Literal["queued", "delivered"]
    status_url: str
    next_steps: str | None = None  # None: the default wording for the state


def display_width(text: str) -> int:
    """Columns on the printer: one-byte characters take one, everything else (Chinese) two."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def wrap_columns(text: str, columns: int) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` printer columns.

    Latin words stay whole where possible; Chinese may break between any two characters, except
    that closing punctuation does not start a line."""
    if columns <= 0:
        return [text]
    lines: list[str] = []
    current = ""
    width = 0
    tokens = _tokens(text)
    for tok in tokens:
        w = display_width(tok)
        if width + w > columns and current:
            if tok in "，。、；：！？）》”" and len(current) > 1:
                # keep punctuation with the previous character
                lines.append(current[:-1])
                current, width = current[-1], display_width(current[-1])
            else:
                lines.append(current.rstrip())
                current, width = "", 0
                if tok == " ":
                    continue
        while w > columns:  # a Latin token longer than a line
            cut = columns - width
            lines.append(current + tok[:cut])
            tok, current, width = tok[cut:], "", 0
            w = display_width(tok)
        current += tok
        width += w
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    word = ""
    for ch in text:
        if ord(ch) < 0x80 and not ch.isspace():
            word += ch
            continue
        if word:
            out.append(word)
            word = ""
        out.append(" " if ch.isspace() else ch)
    if word:
        out.append(word)
    return out


@lru_cache(maxsize=4)
def load_template(path: Path = TEMPLATE_FILE) -> list[dict[str, Any]]:
    with path.open("rb") as f:
        blocks = tomllib.load(f).get("block", [])
    known = {"text", "field", "rule", "qr", "paragraph", "feed", "cut"}
    for i, b in enumerate(blocks):
        if b.get("type") not in known:
            raise ValueError(f"{path}: block {i + 1}: unknown type {b.get('type')!r}")
        if "only" in b and b["only"] not in ONLY:
            raise ValueError(f"{path}: block {i + 1}: unknown only {b['only']!r} (known: {sorted(ONLY)})")
    return list(blocks)


def receipt_fields(data: ReceiptData, language: str, reprinted_at: datetime | None = None) -> dict[str, str]:
    def t(key: str) -> str:
        return CATALOGUE.translate(key, language)

    state = t(f"printer.receipt.state_{data.state}")
    next_steps = data.next_steps or t(f"printer.receipt.next_{data.state}")
    return {
        "terminal_id": data.terminal_id,
        "branch": data.branch,
        "item_name": data.item_name,
        "name": mask_name(data.holder_name),
        "id_number": mask_id_number(data.id_number),
        "reference": data.reference,
        "date_time": data.issued_at.strftime("%Y-%m-%d %H:%M"),
        "state": state,
        "status_url": data.status_url,
        "next_steps": next_steps,
        "reprinted_at": reprinted_at.strftime("%Y-%m-%d %H:%M") if reprinted_at is not None else "",
    }


def render_receipt(data: ReceiptData, profile: PrinterProfile, *, language: str = "zh_CN",
                   template: list[dict[str, Any]] | None = None,
                   reprinted_at: datetime | None = None) -> tuple[bytes, int]:
    """The receipt's ESC/POS bytes, and how many characters the printer's encoding could not carry."""
    b = build_receipt(data, profile, language=language, template=template, reprinted_at=reprinted_at)
    return b.build(), b.lossy_characters


def build_receipt(data: ReceiptData, profile: PrinterProfile, *, language: str = "zh_CN",
                  template: list[dict[str, Any]] | None = None,
                  reprinted_at: datetime | None = None) -> EscPosBuilder:
    """The receipt as an ESC/POS builder (bytes plus the command boundaries to split it at).

    ``reprinted_at``: this is a reprint (补打) made then — the copy-mark blocks are drawn."""
    blocks = [blk for blk in (template if template is not None else load_template())
              if "only" not in blk or (blk["only"] == "reprint" and reprinted_at is not None)]
    fields = receipt_fields(data, language, reprinted_at)
    cols = profile.chars_per_line
    b = EscPosBuilder(profile.encoding, profile.chinese_mode).init()

    def t(key: str) -> str:
        return CATALOGUE.translate(key, language)

    def fill(tmpl: str) -> str:
        return unicodedata.normalize("NFC", tmpl.format_map(fields))

    field_blocks = [blk for blk in blocks if blk["type"] == "field"]
    label_cols = max((display_width(t(blk["label"])) for blk in field_blocks), default=0) + 1
    label_cols = min(label_cols, cols // 2)

    for blk in blocks:
        kind = blk["type"]
        align = ALIGNS.get(str(blk.get("align", "left")), Align.LEFT)
        bold = bool(blk.get("bold", False))
        if kind == "text":
            text = t(blk["label"]) if "label" in blk else fill(blk.get("text", ""))
            w, h = (int(v) for v in blk.get("size", [1, 1]))
            if display_width(text) * w > cols:
                w = 1
            b.align(align).bold(bold).size(w, h)
            for line in wrap_columns(text, cols // w):
                b.line(line)
            b.size(1, 1).bold(False)
        elif kind == "field":
            label = t(blk["label"])
            value = fill(blk.get("value", ""))
            pad = label_cols - display_width(label)
            b.align(Align.LEFT)
            value_lines = wrap_columns(value, cols - label_cols)
            b.text(label + " " * max(0, pad)).bold(bold).line(value_lines[0]).bold(False)
            for more in value_lines[1:]:
                b.text(" " * label_cols).bold(bold).line(more).bold(False)
        elif kind == "paragraph":
            b.align(align).bold(bold)
            for para in fill(blk.get("text", "")).split("\n"):
                for line in wrap_columns(para, cols):
                    b.line(line)
            b.bold(False)
        elif kind == "rule":
            b.align(Align.LEFT).line(str(blk.get("char", "-")) * cols)
        elif kind == "qr":
            payload = fill(blk.get("data", ""))
            b.align(Align.CENTER)
            module = int(blk.get("module", profile.qr_module))
            if profile.native_qr:
                b.qr_native(payload, module=module, ec=str(blk.get("ec", "M")))
            else:
                b.qr_raster(payload, module=module, ec=str(blk.get("ec", "M")))
            b.line()
            b.align(Align.LEFT)
        elif kind == "feed":
            b.feed(int(blk.get("lines", 1)))
        elif kind == "cut":
            b.cut(partial=profile.partial_cut)
    return b


def sample_receipt(terminal_id: str = "T-DEMO-0001", branch: str = "演示支行",
                   status_url_template: str = "https://gov-platform.example.invalid/q/{reference}",
                   state: Literal["queued", "delivered"] = "delivered") -> ReceiptData:
    """A receipt with made-up data (technician test print, demo, benchmarks)."""
    reference = "ZW2026112200012345"
    return ReceiptData(
        terminal_id=terminal_id, branch=branch, item_name="社会保险个人权益记录查询打印",
        holder_name="张三丰", id_number="110101199003071234", reference=reference,
        issued_at=datetime(2026, 11, 22, 9, 30), state=state,
        status_url=status_url_template.format(reference=reference))


