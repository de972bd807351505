"""``kiosk-diag card readers|read``: the PC/SC readers and what card is in them.

Output is masked; ``--reveal`` prints the full card data for a technician and writes an audit
entry first (who, when, which reader and card kind — not the data).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from kiosk.devices.base import Completion


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("card", help="PC/SC card readers and cards")
    cmds = p.add_subparsers(dest="card_command", metavar="SUBCOMMAND")
    cmds.required = True
    readers = cmds.add_parser("readers", help="list readers and whether a card is present")
    readers.add_argument("--json", action="store_true")
    readers.set_defaults(func=run_readers)
    read = cmds.add_parser("read", help="identify and read the card in a reader")
    read.add_argument("--reader", default=None, help="reader name or part of it (default: configured/first)")
    read.add_argument("--kind", choices=("auto", "bank", "ssc", "staff"), default="auto")
    read.add_argument("--reveal", action="store_true", help="show unmasked data (audited)")
    read.add_argument("--json", action="store_true")
    read.set_defaults(func=run_read)


def run_readers(args: argparse.Namespace, ctx: Any) -> int:
    from smartcard import scard

    from kiosk.devices.smartcard.errors import CardFault
    from kiosk.devices.smartcard.transport import establish_context, list_readers, release_context

    try:
        context = establish_context()
    except CardFault as f:
        ctx.emit({"error_code": f.code.code, "detail": f.detail}, f"{f.code.code} {f.code.meaning_zh} ({f.detail})")
        return 2
    try:
        names = list_readers(context)
        rows = []
        if names:
            hr, states = scard.SCardGetStatusChange(context, 0, [(n, scard.SCARD_STATE_UNAWARE) for n in names])
            for name, state, atr in states if hr == scard.SCARD_S_SUCCESS else []:
                present = bool(state & scard.SCARD_STATE_PRESENT)
                rows.append({"reader": name, "card_present": present, "atr": bytes(atr).hex().upper() if present else ""})
    finally:
        release_context(context)
    text = "\n".join(f"{r['reader']}\t{'card ' + r['atr'] if r['card_present'] else 'empty'}" for r in rows)
    ctx.emit(rows, text or "no readers")
    return 0


def run_read(args: argparse.Namespace, ctx: Any) -> int:
    from kiosk.audit import audit
    from kiosk.config import SmartCardConfig, replace
    from kiosk.devices.smartcard import create_card_reader
    from kiosk.devices.smartcard.driver import SmartCardReader

    config = ctx.config
    device, _controller = create_card_reader(config)
    if device is None:
        ctx.emit({"error": "disabled"}, "devices.smartcard.mode is disabled")
        return 2
    if args.reader:
        settings: SmartCardConfig = replace(config.devices.smartcard, reader=args.reader)
        device = SmartCardReader(settings, keyring=device.keyring, vendor_sdk=device.vendor_sdk)
    opened = device.open()
    if not opened.ok:
        ctx.emit(opened.as_dict(), f"{opened.error_code}: {opened.detail}")
        return 2
    try:
        readers: dict[str, Callable[[], Completion[Any]]] = {"auto": device.identify, "bank": device.read_bank_card,
                   "ssc": device.read_social_security_card, "staff": device.authenticate_staff_card}
        result = readers[args.kind]()
    finally:
        device.close()
    out: dict[str, Any] = {"reader": device.reader_name, **result.as_dict()}
    if not result.ok or result.value is None:
        ctx.emit(out, f"{device.reader_name}: {result.outcome} {result.error_code or ''} {result.detail}")
        return 1
    value = result.value
    reading = getattr(value, "social_security", None) or getattr(value, "bank", None) or getattr(value, "staff", None) or value
    summary = value.summary() if hasattr(value, "summary") else {}
    if args.reveal:
        audit("card.reveal", actor="technician", reader=device.reader_name, kind=summary.get("kind"))
        data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(reading).items()}
    elif hasattr(reading, "masked"):
        data = reading.masked()
    else:
        data = {k: v for k, v in asdict(reading).items()}
    out["card"] = {"kind": summary.get("kind"), **data}
    ctx.emit(out, f"{device.reader_name}: " + ", ".join(f"{k}={v}" for k, v in out["card"].items()))
    return 0
