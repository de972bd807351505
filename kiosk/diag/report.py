"""The readiness report: a one-page PDF (embedded CJK font) of every self-test check, which a
technician prints or leaves with the branch before opening the kiosk to citizens. Status is
shown as text and as colour (never colour alone)."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import BinaryIO

from kiosk import __version__
from kiosk.diag import snapshot
from kiosk.diag.checks import CheckContext, CheckRun, run_all
from kiosk.diag.export import target_path, write_atomically
from kiosk.i18n import tr
from kiosk.privacy import redact_text

CJK_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_NAME = "KioskCJK"
_font_lock = threading.Lock()


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(CJK_FONT_PATH), subfontIndex=0))
    return FONT_NAME


def render_pdf(ctx: CheckContext, runs: list[CheckRun] | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    runs = run_all(ctx) if runs is None else runs
    font = _register_font()
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=24, spaceAfter=4 * mm)
    body = ParagraphStyle("b", fontName=font, fontSize=10, leading=14)
    cell = ParagraphStyle("c", fontName=font, fontSize=9, leading=12)
    cfg = ctx.config
    failures = [r for r in runs if not r.result.ok]

    def p(text: str, style: ParagraphStyle = cell) -> Paragraph:
        escaped = redact_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(escaped, style)

    story: list[object] = [p(tr("diag.report_title"), title)]
    facts = [
        (tr("diag.report_terminal"), cfg.terminal.id if cfg else "?"),
        (tr("diag.report_branch"), cfg.terminal.branch_name if cfg else "?"),
        (tr("diag.report_generated"), snapshot.generated_at()),
        (tr("diag.report_version"), __version__),
    ]
    for label, value in facts:
        story.append(p(f"{label}: {value}", body))
    story.append(Spacer(1, 4 * mm))
    verdict = tr("diag.report_ready") if not failures else tr("diag.report_not_ready", n=len(failures))
    story.append(p(f"{tr('diag.report_result')}: {verdict}",
                   ParagraphStyle("v", parent=body, fontSize=12, leading=16,
                                  textColor=colors.HexColor("#1b5e20" if not failures else "#b71c1c"))))
    story.append(Spacer(1, 4 * mm))
    rows: list[list[object]] = [[p(tr("diag.report_col_check")), p(tr("diag.report_col_status")),
                                 p(tr("diag.report_col_summary")), p(tr("diag.report_col_code")),
                                 p(tr("diag.report_col_time"))]]
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e0e0e0")),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9e9e9e")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    for i, r in enumerate(runs, start=1):
        ok = r.result.ok
        rows.append([p(tr(r.check.title_key)),
                     p(("√ " if ok else "× ") + tr("diag.status_pass" if ok else "diag.status_fail")),
                     p(r.result.summary + (f" — {r.result.detail}" if not ok and r.result.detail else "")),
                     p(r.result.error_code or ""), p(f"{r.result.duration_ms:.0f} ms")])
        style.append(("BACKGROUND", (1, i), (1, i), colors.HexColor("#c8e6c9" if ok else "#ffcdd2")))
    table = Table(rows, colWidths=[38 * mm, 20 * mm, 82 * mm, 20 * mm, 18 * mm], repeatRows=1)
    table.setStyle(TableStyle(style))
    story.append(table)
    story.append(Spacer(1, 14 * mm))
    story.append(p(f"{tr('diag.report_signed')}: ____________________    "
                   f"{tr('diag.report_date')}: ____________", body))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=tr("diag.report_title"),
                            author="kiosk-diag")
    doc.build(story)
    return buffer.getvalue()


def write_report(ctx: CheckContext, out: Path, runs: list[CheckRun] | None = None) -> Path:
    data = render_pdf(ctx, runs)
    terminal = ctx.config.terminal.id if ctx.config else "unknown"

    def write(f: BinaryIO) -> None:
        f.write(data)

    return write_atomically(target_path(out, terminal, "readiness", ".pdf"), write)
