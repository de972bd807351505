"""``kiosk-diag printer status|test-receipt|test-a4 [--json]``: the receipt and A4 printers.

In simulator mode (demo) the receipt printer simulator is started for the command, and the A4
queue is set up on a local cupsd if missing.
"""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.config import KioskConfig
from kiosk.devices.base import CancelToken, Completion


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("printer", help="receipt and A4 printer checks and test prints")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    s = actions.add_parser("status", help="real-time status of both printers")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=run_status)
    r = actions.add_parser("test-receipt", help="print a sample receipt")
    r.add_argument("--json", action="store_true")
    r.add_argument("--language", choices=["zh_CN", "en_US"], default="zh_CN")
    r.add_argument("--state", choices=["queued", "delivered"], default="delivered")
    r.set_defaults(func=run_test_receipt)
    a = actions.add_parser("test-a4", help="print a sample certificate on the A4 printer")
    a.add_argument("--json", action="store_true")
    a.add_argument("--template", default="social_insurance_payment")
    a.set_defaults(func=run_test_a4)


def _completion(c: Completion[Any]) -> dict[str, Any]:
    return c.as_dict()


def _receipt_status(cfg: KioskConfig) -> tuple[dict[str, Any], bool]:
    from kiosk.devices.printer import create_receipt_printer
    from kiosk.devices.printer.profiles import ProfileError

    try:
        printer, sim = create_receipt_printer(cfg)
    except ProfileError as e:
        return {"mode": cfg.devices.printer.mode, "error_code": "PRN-004", "detail": str(e)}, False
    if printer is None:
        return {"mode": "disabled"}, True
    try:
        opened = printer.open()
        data = {"mode": cfg.devices.printer.mode, "port": printer.link.port, "open": _completion(opened),
                "status": printer.status.as_dict(), "capabilities": printer.capabilities.as_dict()}
        return data, opened.ok and printer.status.state.usable
    finally:
        printer.close()
        if sim is not None:
            sim.stop()


def _a4_status(cfg: KioskConfig) -> tuple[dict[str, Any], bool]:
    from kiosk.devices.a4 import create_a4_printer

    a4, _ = create_a4_printer(cfg)
    if a4 is None:
        return {"mode": "disabled"}, True
    opened = a4.open()
    return {"mode": cfg.devices.a4.mode, "queue": cfg.devices.a4.queue, "open": _completion(opened),
            "status": a4.status.as_dict()}, opened.ok and a4.status.state.usable


def _line(name: str, data: dict[str, Any]) -> str:
    status = data.get("status", {})
    code = status.get("error_code") or data.get("error_code") or "-"
    return f"{name:8} {data.get('mode', '?'):9} {status.get('state', '?'):14} {code}  {status.get('detail', '')}"


def run_status(args: argparse.Namespace, ctx: Any) -> int:
    cfg: KioskConfig = ctx.config
    receipt, ok1 = _receipt_status(cfg)
    a4, ok2 = _a4_status(cfg)
    ctx.emit({"receipt": receipt, "a4": a4, "ok": ok1 and ok2},
             "\n".join([_line("receipt", receipt), _line("a4", a4)]))
    return 0 if ok1 and ok2 else 1


def run_test_receipt(args: argparse.Namespace, ctx: Any) -> int:
    from kiosk.devices.printer import create_receipt_printer, sample_receipt

    cfg: KioskConfig = ctx.config
    printer, sim = create_receipt_printer(cfg)
    if printer is None:
        ctx.emit({"ok": False, "detail": "receipt printer disabled"}, "receipt printer disabled")
        return 1
    try:
        opened = printer.open()
        if not opened.ok:
            ctx.emit({"ok": False, "open": _completion(opened)},
                     f"cannot open the receipt printer: {opened.error_code} {opened.detail}")
            return 1
        data = sample_receipt(cfg.terminal.id, cfg.terminal.branch_name, cfg.devices.printer.status_url_template,
                              state=args.state)
        result = printer.print_receipt(data, CancelToken(), language=args.language)
        out: dict[str, Any] = {"ok": result.ok, "result": _completion(result), "status": printer.status.as_dict()}
        if result.ok and result.value is not None:
            v = result.value
            out.update(bytes=v.bytes_sent, seconds=round(v.seconds, 3), wire_seconds=round(v.wire_seconds, 3),
                       status_checks=v.status_checks)
        if sim is not None and result.ok and sim.wait_for_receipts(1, 10):
            last = sim.last_receipt
            out["png"] = str(last.png) if last and last.png else None
            out["lines"] = last.lines if last else []
        text = (f"receipt printed: {out.get('bytes')} bytes in {out.get('seconds')} s"
                + (f"\n  simulator image: {out['png']}" if out.get("png") else "")
                if result.ok else f"receipt NOT printed: {result.error_code} {result.detail}")
        ctx.emit(out, text)
        return 0 if result.ok else 1
    finally:
        printer.close()
        if sim is not None:
            sim.stop()


def run_test_a4(args: argparse.Namespace, ctx: Any) -> int:
    import time

    from kiosk.devices.a4 import TemplateError, create_a4_printer, load_template, render_certificate

    cfg: KioskConfig = ctx.config
    a4, _ = create_a4_printer(cfg)
    if a4 is None:
        ctx.emit({"ok": False, "detail": "A4 printer disabled"}, "A4 printer disabled")
        return 1
    reference = "VR" + time.strftime("%Y%m%d%H%M%S")
    try:
        tpl = load_template(args.template)
        t0 = time.perf_counter()
        pdf = render_certificate(tpl.id, tpl.sample, reference=reference,
                                 verify_url=cfg.devices.a4.verify_url_template.format(reference=reference),
                                 issuer=cfg.devices.a4.issuer)
        render_ms = (time.perf_counter() - t0) * 1000
    except TemplateError as e:
        ctx.emit({"ok": False, "error_code": "A4P-020", "detail": str(e)}, f"A4P-020 {e}")
        return 1
    opened = a4.open()
    if not opened.ok:
        ctx.emit({"ok": False, "open": _completion(opened)}, f"A4 printer not ready: {opened.error_code} {opened.detail}")
        return 1
    result = a4.print_pdf(pdf, f"kiosk-test-{tpl.id}", CancelToken())
    out: dict[str, Any] = {"ok": result.ok, "result": _completion(result), "template": tpl.id,
                           "pdf_bytes": len(pdf), "render_ms": round(render_ms, 1), "status": a4.status.as_dict()}
    if result.ok and result.value is not None:
        out.update(job_id=result.value.job_id, job_state=result.value.state,
                   seconds=round(result.value.seconds, 3),
                   output=str(result.value.output) if result.value.output else None)
    text = (f"certificate printed: job {out.get('job_id')} {out.get('job_state')} in {out.get('seconds')} s"
            + (f"\n  output: {out['output']}" if out.get("output") else "")
            if result.ok else f"certificate NOT printed: {result.error_code} {result.detail}")
    ctx.emit(out, text)
    return 0 if result.ok else 1
