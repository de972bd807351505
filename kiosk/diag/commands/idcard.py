"""``kiosk-diag idcard status|read``: talk to the ID-card reader directly (technicians).

Uses the production driver on its own (no app running: the port must be free). Output is masked
by default; ``--reveal`` prints full values and is written to the audit log first (no audit entry,
no reveal).
"""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from kiosk import audit as audit_log
from kiosk.config import replace
from kiosk.devices.base import DeviceState
from kiosk.devices.idcard.driver import IdCardReader
from kiosk.devices.idcard.errors import code as idr_code
from kiosk.privacy import mask_id_number


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("idcard", help="ID-card reader: status or a test read")
    p.add_argument("action", choices=["status", "read"])
    p.add_argument("--port", default=None, help="device path or pyserial URL (default: from the config)")
    p.add_argument("--baud", type=int, default=None, help="baud rate (default: from the config)")
    p.add_argument("--wait", type=float, default=10.0, help="read: seconds to wait for a card")
    p.add_argument("--fingerprint", action="store_true", help="read: use 30 10 (with fingerprint)")
    p.add_argument("--reveal", action="store_true", help="read: show full personal data (audited)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def _reader(args: argparse.Namespace, ctx: Any) -> IdCardReader:
    cfg = ctx.config.devices.idcard
    update: dict[str, Any] = {"port": args.port or cfg.port, "baudrate": args.baud or cfg.baudrate}
    if args.fingerprint:
        update["with_fingerprint"] = True
    return IdCardReader(replace(cfg, **update))


def _explain(error_code: str | None) -> dict[str, Any]:
    if not error_code:
        return {}
    entry = idr_code(error_code).error
    return {"error_code": entry.code, "meaning_zh": entry.meaning_zh, "meaning_en": entry.meaning_en,
            "action_zh": entry.action_zh, "action_en": entry.action_en}


def run(args: argparse.Namespace, ctx: Any) -> int:
    reader = _reader(args, ctx)
    opened = reader.open()
    try:
        if not opened.ok:
            data = {"ok": False, "port": reader.config.port, "state": str(reader.status.state),
                    "outcome": str(opened.outcome), "detail": opened.detail, **_explain(opened.error_code)}
            ctx.emit(data, f"reader at {reader.config.port}: {reader.status.state} "
                           f"[{opened.error_code}] {data.get('meaning_zh', '')} / {data.get('meaning_en', '')}\n"
                           f"  {opened.detail}")
            return 2
        if args.action == "status":
            return _status(reader, ctx)
        return _read(reader, args, ctx)
    finally:
        reader.close()


def _status(reader: IdCardReader, ctx: Any) -> int:
    data = {"ok": reader.status.state is DeviceState.ONLINE, "port": reader.config.port,
            "status": reader.status.as_dict(), "capabilities": reader.capabilities.as_dict(),
            "diagnostics": reader.diagnostics()}
    text = (f"reader at {reader.config.port}: {reader.status.state}\n"
            f"  SAM id: {reader.sam_id}\n"
            f"  features: {', '.join(sorted(reader.capabilities.features))}\n"
            f"  photo decoder: {reader.photo_decoder.name}")
    ctx.emit(data, text)
    return 0 if data["ok"] else 2


def _read(reader: IdCardReader, args: argparse.Namespace, ctx: Any) -> int:
    result = reader.read_card(wait_s=args.wait)
    if not result.ok or result.value is None:
        data = {"ok": False, "outcome": str(result.outcome), "detail": result.detail,
                **_explain(result.error_code)}
        ctx.emit(data, f"read failed: [{result.error_code}] {data.get('meaning_zh', '')} / "
                       f"{data.get('meaning_en', '')}\n  {result.detail}")
        return 1
    card = result.value
    if args.reveal:
        # The audit entry comes first: if it cannot be written, nothing is revealed.
        audit_log.configure(ctx.config.path(ctx.config.paths.log_dir) / audit_log.AUDIT_FILE_NAME)
        audit_log.audit("idcard.read.reveal", actor=f"technician:{getpass.getuser()}",
                        port=reader.config.port, card_type=str(card.identity.card_type),
                        id_number_masked=mask_id_number(card.identity.id_number))
    identity = card.identity.as_dict(reveal=args.reveal)
    data = {"ok": True, "revealed": args.reveal, "identity": identity,
            "photo": {"status": str(card.photo.status), "reason": card.photo.reason},
            "fingerprint": card.has_fingerprint, "elapsed_ms": card.elapsed_ms}
    lines = [f"{k}: {v}" for k, v in identity.items() if v not in (None, "", [])]
    lines.append(f"photo: {card.photo.status} ({card.photo.reason})" if card.photo.reason
                 else f"photo: {card.photo.status}")
    lines.append(f"read in {card.elapsed_ms} ms" + ("" if args.reveal else " (masked; --reveal to show, audited)"))
    ctx.emit(data, "\n".join(lines))
    return 0
