"""A4 certificates (证明) from data-driven templates (``assets/certificates/*.toml``) with reportlab.

A Chinese TrueType font is embedded as a subset (fonts-wqy-microhei; reportlab cannot embed
the OpenType/CFF Noto CJK fonts), every page carries the verification QR code and reference
and "第 x 页 / 共 N 页".
"""

from __future__ import annotations

import io
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kiosk.config import PROJECT_ROOT
from kiosk.i18n import CATALOGUE

TEMPLATE_DIR = PROJECT_ROOT / "assets" / "certificates"
FONT_NAME = "KioskCJK"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)
_font_lock = threading.Lock()
_font_ready = False


class TemplateError(ValueError):
    """A template is malformed or the data lacks a field it needs (message names which)."""


def ensure_font() -> str:
    """Register the CJK TrueType font once (about 0.1 s for the 5 MB collection)."""
    global _font_ready
    with _font_lock:
        if not _font_ready:
            for path in FONT_CANDIDATES:
                if path.exists():
                    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
                    _font_ready = True
                    break
            else:
                raise FileNotFoundError("no embeddable CJK TrueType font (install fonts-wqy-microhei)")
    return FONT_NAME


@dataclass(frozen=True)
class CertificateTemplate:
    id: str
    title: str
    authority: str
    intro: str
    fields: tuple[tuple[str, str], ...]
    columns: tuple[dict[str, Any], ...]
    rows_key: str | None
    sum_columns: tuple[str, ...]
    total_label: str
    closing: tuple[str, ...]
    sample: Mapping[str, Any]


@lru_cache(maxsize=32)
def load_template(template_id: str, directory: Path = TEMPLATE_DIR) -> CertificateTemplate:
    path = directory / f"{template_id}.toml"
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise TemplateError(f"no certificate template {template_id!r}") from None
    table = raw.get("table", {})
    # TOML puts a key written after [table] / [[fields]] inside that table: catch such slips.
    unknown = set(raw) - {"id", "title", "authority", "intro", "closing", "fields", "table", "sample"}
    unknown |= set(table) - {"rows", "columns", "sum_columns", "total_label"}
    for f in raw.get("fields", []):
        unknown |= set(f) - {"label", "value"}
    if unknown:
        raise TemplateError(f"{path}: unknown keys {sorted(unknown)} (a key placed under the wrong table?)")
    try:
        return CertificateTemplate(
            id=raw["id"], title=raw["title"], authority=raw.get("authority", ""), intro=raw.get("intro", ""),
            fields=tuple((f["label"], f["value"]) for f in raw.get("fields", [])),
            columns=tuple(table.get("columns", [])), rows_key=table.get("rows"),
            sum_columns=tuple(table.get("sum_columns", [])), total_label=table.get("total_label", ""),
            closing=tuple(raw.get("closing", [])), sample=raw.get("sample", {}))
    except KeyError as e:
        raise TemplateError(f"{path}: missing {e}") from None


def list_templates(directory: Path = TEMPLATE_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.toml"))


def _fill(text: str, data: Mapping[str, Any], template_id: str) -> str:
    try:
        return text.format_map(data)
    except KeyError as e:
        raise TemplateError(f"template {template_id}: data lacks field {e}") from None


class _NumberedCanvas(Canvas):
    """Holds the pages back until the end so each can say how many pages there are."""

    def __init__(self, *args: Any, footer: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._footer = footer

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            if self._footer is not None:
                self._footer(self, self._pageNumber, total)
            Canvas.showPage(self)
        Canvas.save(self)


def _draw_qr(c: Canvas, payload: str, x: float, y: float, size: float) -> None:
    qr = segno.make(payload, error="m", micro=False)
    matrix = [list(r) for r in qr.matrix]
    n = len(matrix)
    m = size / n
    c.setFillColor(colors.black)
    for row_i, row in enumerate(matrix):
        col = 0
        while col < n:  # one rectangle per run of dark modules: fewer operators, smaller PDF
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                c.rect(x + start * m, y + (n - 1 - row_i) * m, (col - start) * m, m, stroke=0, fill=1)
            else:
                col += 1


def render_certificate(template_id: str, data: Mapping[str, Any], *, reference: str, verify_url: str,
                       issuer: str, issued_at: datetime | None = None, language: str = "zh_CN") -> bytes:
    """The certificate as PDF bytes. Raises :class:`TemplateError` for a bad template or data."""
    tpl = load_template(template_id)
    font = ensure_font()
    issued_at = issued_at or datetime.now()

    def t(key: str, **params: object) -> str:
        return CATALOGUE.translate(key, language, dict(params))

    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=4)
    authority = ParagraphStyle("auth", fontName=font, fontSize=11, leading=16, alignment=TA_CENTER,
                               textColor=colors.HexColor("#333333"), spaceAfter=10)
    body = ParagraphStyle("body", fontName=font, fontSize=11.5, leading=20, wordWrap="CJK", firstLineIndent=23)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    cell_c = ParagraphStyle("cellc", parent=cell, alignment=TA_CENTER)
    cell_r = ParagraphStyle("cellr", parent=cell, alignment=TA_RIGHT)
    right = ParagraphStyle("right", fontName=font, fontSize=11.5, leading=20, alignment=TA_RIGHT)
    aligns = {"left": cell, "center": cell_c, "right": cell_r}

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text), style)

    story: list[Any] = [para(tpl.title, title), para(tpl.authority, authority)]
    width = A4[0] - 40 * mm
    if tpl.fields:
        rows = [[para(label, cell), para(_fill(value, data, tpl.id), cell)] for label, value in tpl.fields]
        info = Table(rows, colWidths=[32 * mm, width - 32 * mm])
        info.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F0F0F0")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story += [info, Spacer(1, 6 * mm)]
    if tpl.intro:
        story += [para(_fill(tpl.intro, data, tpl.id), body), Spacer(1, 3 * mm)]
    if tpl.rows_key:
        rows_data = data.get(tpl.rows_key)
        if not isinstance(rows_data, list):
            raise TemplateError(f"template {tpl.id}: data field {tpl.rows_key!r} must be a list of rows")
        header = [para(str(c["title"]), cell_c) for c in tpl.columns]
        body_rows: list[list[Any]] = []
        sums = dict.fromkeys(tpl.sum_columns, 0.0)
        for r in rows_data:
            if not isinstance(r, Mapping):
                raise TemplateError(f"template {tpl.id}: each row of {tpl.rows_key!r} must be a table")
            body_rows.append([para(str(r.get(c["key"], "")), aligns.get(c.get("align", "left"), cell))
                              for c in tpl.columns])
            for k in sums:
                try:
                    sums[k] += float(str(r.get(k, "0")).replace(",", ""))
                except ValueError:
                    raise TemplateError(f"template {tpl.id}: {k}={r.get(k)!r} is not a number") from None
        table_rows = [header, *body_rows]
        if sums:
            total_row = [para(tpl.total_label, cell_c)] + [
                para(f"{sums[c['key']]:,.2f}", cell_r) if c["key"] in sums else "" for c in tpl.columns[1:]]
            table_rows.append(total_row)
        col_widths = [float(c.get("width", 1 / len(tpl.columns))) * width for c in tpl.columns]
        tbl = Table(table_rows, colWidths=col_widths, repeatRows=1)
        style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E6E6E6")),
                 ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        if sums:
            style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F5F5F5")))
        tbl.setStyle(TableStyle(style))
        story += [tbl, Spacer(1, 6 * mm)]
    for line in tpl.closing:
        story.append(para(_fill(line, data, tpl.id), body))
    story += [Spacer(1, 10 * mm), para(t("printer.certificate.issuer", issuer=issuer), right),
              para(t("printer.certificate.issued", date=issued_at.strftime("%Y年%m月%d日 %H:%M")), right),
              para(t("printer.certificate.seal"), right)]

    qr_payload = verify_url
    verify_text = t("printer.certificate.verify", reference=reference)
    hint = t("printer.certificate.verify_hint")

    def footer(c: Canvas, page: int, pages: int) -> None:
        c.saveState()
        qr_size = 22 * mm
        _draw_qr(c, qr_payload, 20 * mm, 12 * mm, qr_size)
        c.setFont(font, 9)
        c.drawString(20 * mm + qr_size + 4 * mm, 12 * mm + qr_size - 8, verify_text)
        c.setFont(font, 8)
        c.drawString(20 * mm + qr_size + 4 * mm, 12 * mm + qr_size - 20, hint)
        c.setFont(font, 9)
        c.drawRightString(A4[0] - 20 * mm, 14 * mm, t("printer.certificate.page", page=page, pages=pages))
        c.setStrokeColor(colors.HexColor("#999999"))
        c.line(20 * mm, 12 * mm + qr_size + 3 * mm, A4[0] - 20 * mm, 12 * mm + qr_size + 3 * mm)
        c.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                            bottomMargin=42 * mm, title=tpl.title, author=issuer, subject=reference,
                            creator="gov-kiosk")

    def make_canvas(*args: Any, **kwargs: Any) -> Canvas:
        kwargs["initialFontName"] = font  # no unused, unembedded Helvetica in the file
        return _NumberedCanvas(*args, footer=footer, **kwargs)

    doc.build(story, canvasmaker=make_canvas)
    return buf.getvalue()


